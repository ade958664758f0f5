-- The log's signing keys (docs/adr/0014). `signing_keys`: each key's public half (raw, base64) from
-- the first time it signed. `signing_key_successions`: each rotation, signed by both keys over the
-- same message: `handover` by the previous key (it introduces the next one), `vouch` by the next key
-- (it keeps trusting what the previous one signed). Trust never comes from these rows alone: a
-- previous key is trusted only through the vouch of a key already trusted from the settings.
CREATE TABLE IF NOT EXISTS signing_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    first_used_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signing_key_successions (
    previous_id TEXT NOT NULL,
    next_id TEXT NOT NULL,
    previous_public_key TEXT NOT NULL,
    next_public_key TEXT NOT NULL,
    rotated_at TEXT NOT NULL,
    handover TEXT NOT NULL,
    vouch TEXT NOT NULL,
    PRIMARY KEY (previous_id, next_id)
);
