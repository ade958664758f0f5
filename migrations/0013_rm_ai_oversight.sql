-- Read model of the administrators' AI switch (one row). Rebuildable from the log.
CREATE TABLE IF NOT EXISTS rm_ai_oversight (
    id TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
