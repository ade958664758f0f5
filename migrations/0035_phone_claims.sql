-- Each job seeker's phone number, claimed per agency, written in the same transaction as the
-- registration's events: a concurrent duplicate fails on the primary key (docs/adr/0004).
-- `claim` is HMAC-SHA256(phone claim key, [agency, E.164 number]) in hex: never the number.
-- Not a read model: `relais rebuild-projections` leaves it alone. The rows of people already
-- registered are written by this migration's Python step (infrastructure/phone_claims.py).
CREATE TABLE IF NOT EXISTS phone_claims (
    claim TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL,
    claimed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS phone_claims_candidate ON phone_claims (candidate_id);
-- python step: phone_claims_backfill
