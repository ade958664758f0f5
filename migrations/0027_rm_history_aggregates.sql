-- Read model: each aggregate of the log, its type and agency. Later events of an offer do not
-- repeat its agency: the history index looks it up here (written on the first event, and again
-- only by events that carry an agency, e.g. an account's new role).
CREATE TABLE IF NOT EXISTS rm_history_aggregates (
    aggregate_id TEXT PRIMARY KEY,
    aggregate_type TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    first_at TEXT NOT NULL
);
