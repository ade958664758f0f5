-- Read model: each aggregate of the log, its type and agency (later events of an offer do not
-- repeat its agency: the history index looks it up here), and how far its history goes.
CREATE TABLE IF NOT EXISTS rm_history_aggregates (
    aggregate_id TEXT PRIMARY KEY,
    aggregate_type TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    last_version INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_history_aggregates_type ON rm_history_aggregates (aggregate_type, last_at);
