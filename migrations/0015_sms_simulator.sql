-- The embedded SMS simulator's phones (not a read model: it stands for the phone network).
-- A table, not memory, so that every process sees the same simulated phones.
CREATE TABLE IF NOT EXISTS sms_simulator_messages (
    provider_message_id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    direction TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS sms_simulator_messages_id ON sms_simulator_messages (message_id);
CREATE INDEX IF NOT EXISTS sms_simulator_messages_phone ON sms_simulator_messages (phone, at);
