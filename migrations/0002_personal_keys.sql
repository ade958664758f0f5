-- One key per person; deleting the row erases the person (crypto-shredding).
-- Keys are stored wrapped by the server's master key.
CREATE TABLE IF NOT EXISTS personal_keys (
    subject_id TEXT PRIMARY KEY,
    wrapped_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
