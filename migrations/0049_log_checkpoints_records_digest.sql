-- Checkpoint format 3 (docs/adr/0014, amendment "verify-log speed", session 4): the SHA-256 of the
-- sealed records themselves, each framed as one row of PostgreSQL's binary COPY (id, originator,
-- version, topic, state), hex. `verify-log` hashes a whole stretch as read in one call, and walks
-- it record by record only when it differs. NULL: a checkpoint of format 1 or 2, written before.
ALTER TABLE log_checkpoints ADD COLUMN records_sha256 TEXT;
