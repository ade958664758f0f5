-- Position of each projection in the notification log (exactly-once catch-up).
CREATE TABLE IF NOT EXISTS projection_tracking (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
