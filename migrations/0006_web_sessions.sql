-- Server-side sign-in sessions; the cookie holds a random token, the table its digest.
CREATE TABLE IF NOT EXISTS web_sessions (
    token_digest TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    csrf_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_account ON web_sessions (account_id);
