-- Read model of the auditor's history search (rebuildable from the log): one row per stored
-- event, in log order, with who acted and what it is about. No personal data: ids and codes only
-- (names are searched through rm_candidates). The timeline itself reads the event store.
CREATE TABLE IF NOT EXISTS rm_event_index (
    notification_id BIGINT PRIMARY KEY,
    aggregate_id TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    aggregate_version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_event_index_aggregate ON rm_event_index (aggregate_id, aggregate_version);
CREATE INDEX IF NOT EXISTS rm_event_index_person ON rm_event_index (person_id, notification_id);
CREATE INDEX IF NOT EXISTS rm_event_index_actor ON rm_event_index (actor_id, notification_id);
CREATE INDEX IF NOT EXISTS rm_event_index_event_type ON rm_event_index (event_type, notification_id);
CREATE INDEX IF NOT EXISTS rm_event_index_aggregate_type ON rm_event_index (aggregate_type, notification_id);
CREATE INDEX IF NOT EXISTS rm_event_index_agency ON rm_event_index (agency_id, notification_id);
CREATE INDEX IF NOT EXISTS rm_event_index_occurred ON rm_event_index (occurred_at);
