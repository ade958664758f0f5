-- Retention (docs/adr/0017): the last event about each job seeker (registration, profile change,
-- consent, suggestion, decision, manual addition, explanation letter), whatever aggregate recorded it.
-- Ids, a UTC ISO 8601 time and a kind code only. Rebuildable from the log.
CREATE TABLE IF NOT EXISTS rm_person_activity (
    candidate_id TEXT PRIMARY KEY,
    last_activity_at TEXT NOT NULL,
    last_activity_kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_person_activity_last ON rm_person_activity (last_activity_at);
