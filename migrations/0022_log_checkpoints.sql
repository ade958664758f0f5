-- Signed checkpoints of the hash chain over the stored event records (docs/adr/0014).
-- One row per checkpoint; `entries` lists each covered record's notification id and
-- content digest (base64 of 40 bytes per record) so that verify-log can name the
-- first altered, deleted, inserted or moved record, not only the bad stretch.
-- `sequence` and `last_id` are unique: two processes writing at once cannot both win.
CREATE TABLE IF NOT EXISTS log_checkpoints (
    sequence INTEGER PRIMARY KEY,
    first_id BIGINT NOT NULL,
    last_id BIGINT NOT NULL UNIQUE,
    record_count INTEGER NOT NULL,
    previous_head TEXT NOT NULL,
    head TEXT NOT NULL,
    created_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    entries TEXT NOT NULL
);
