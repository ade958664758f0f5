-- Failed sign-ins per account and per address, in a sliding window.
CREATE TABLE IF NOT EXISTS login_failures (
    throttle_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started BIGINT NOT NULL
);
