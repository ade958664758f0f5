-- Verifiable exports of the event log (docs/adr/0014): each finished export's chain head
-- becomes the next export's `previous_head`; the web download runs as a job whose
-- progress any web worker can report.
CREATE TABLE IF NOT EXISTS log_exports (
    id TEXT PRIMARY KEY,
    requested_by TEXT NOT NULL,
    since TEXT,
    until TEXT,
    status TEXT NOT NULL,
    done INTEGER NOT NULL,
    total INTEGER NOT NULL,
    record_count INTEGER,
    first_sequence BIGINT,
    last_sequence BIGINT,
    head TEXT,
    previous_head TEXT,
    key_id TEXT,
    archive TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS log_exports_finished ON log_exports (status, finished_at);
