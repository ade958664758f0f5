-- Auditors' page views that carried a search (a query string), with the day key that seals it
-- (docs/adr/0015). Ids and dates only: the search itself stays encrypted in the log. Erasing a
-- person reads these to find the searches that may name them, not every page view of the log.
CREATE TABLE IF NOT EXISTS rm_audit_searches (
    access_id TEXT PRIMARY KEY,
    key_subject TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_audit_searches_key ON rm_audit_searches (key_subject, opened_at);
