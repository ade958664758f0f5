-- Read models of SMS outreach (rebuildable from the log): each outreach, each person's
-- conversation, each message in and out, and the pending follow-ups the tick reads.
-- last_reply, answers, outcome_text and inbound bodies are personal data: the projection
-- scrubs them when the person is erased.
CREATE TABLE IF NOT EXISTS rm_outreaches (
    id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    offer_title TEXT NOT NULL,
    text TEXT NOT NULL,
    requirement TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_outreaches_offer ON rm_outreaches (offer_id, approved_at);
CREATE TABLE IF NOT EXISTS rm_outreach_conversations (
    outreach_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    step TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    last_message_status TEXT NOT NULL,
    last_reply TEXT NOT NULL,
    intent TEXT NOT NULL,
    needs TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    low_confidence INTEGER NOT NULL,
    model TEXT NOT NULL,
    corrected INTEGER NOT NULL,
    handoff_reason TEXT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_reason TEXT NOT NULL,
    outcome_text TEXT NOT NULL,
    answers TEXT NOT NULL,
    PRIMARY KEY (outreach_id, candidate_id)
);
CREATE INDEX IF NOT EXISTS rm_outreach_conversations_offer ON rm_outreach_conversations (offer_id);
CREATE INDEX IF NOT EXISTS rm_outreach_conversations_candidate ON rm_outreach_conversations (candidate_id);
CREATE TABLE IF NOT EXISTS rm_outreach_messages (
    message_id TEXT PRIMARY KEY,
    outreach_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    step TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    error_code TEXT NOT NULL,
    at TEXT NOT NULL,
    suggestion_id TEXT NOT NULL,
    intent TEXT NOT NULL,
    needs TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    model TEXT NOT NULL,
    fallback_reason TEXT NOT NULL,
    answer TEXT NOT NULL,
    correction TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_outreach_messages_conversation ON rm_outreach_messages (outreach_id, candidate_id, at);
CREATE INDEX IF NOT EXISTS rm_outreach_messages_provider ON rm_outreach_messages (provider_message_id);
CREATE INDEX IF NOT EXISTS rm_outreach_messages_unanswered ON rm_outreach_messages (status, at);
CREATE TABLE IF NOT EXISTS rm_outreach_due (
    outreach_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    step TEXT NOT NULL,
    due_at TEXT NOT NULL,
    PRIMARY KEY (outreach_id, candidate_id)
);
CREATE INDEX IF NOT EXISTS rm_outreach_due_at ON rm_outreach_due (due_at);
