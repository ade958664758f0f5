-- Read model of matching (rebuildable from the log): each shortlist request of an offer
-- (the one with the highest offer_version is current), each suggestion with its decision,
-- and the people added by hand. Names are not copied here: pages join rm_candidates.
-- reason_text is free text about a person: the projection scrubs it on erasure.
CREATE TABLE IF NOT EXISTS rm_match_requests (
    request_id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL,
    offer_version INTEGER NOT NULL,
    criteria TEXT NOT NULL,
    pool_size INTEGER NOT NULL,
    eligible_count INTEGER NOT NULL,
    exclusions TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_match_requests_offer ON rm_match_requests (offer_id, offer_version);
CREATE TABLE IF NOT EXISTS rm_suggestions (
    suggestion_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    criteria_met TEXT NOT NULL,
    criteria_missed TEXT NOT NULL,
    rationale TEXT NOT NULL,
    model TEXT NOT NULL,
    rationale_model TEXT NOT NULL,
    fallback_reason TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    suggested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_suggestions_request ON rm_suggestions (request_id, rank);
CREATE INDEX IF NOT EXISTS rm_suggestions_candidate ON rm_suggestions (candidate_id);
CREATE TABLE IF NOT EXISTS rm_manual_additions (
    offer_id TEXT NOT NULL,
    offer_version INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (offer_id, offer_version)
);
CREATE INDEX IF NOT EXISTS rm_manual_additions_request ON rm_manual_additions (offer_id, request_id);
CREATE INDEX IF NOT EXISTS rm_manual_additions_candidate ON rm_manual_additions (candidate_id);
