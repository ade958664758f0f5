-- Matching lists an agency's contactable people with their versions (to re-read only the changed
-- ones): a covering index answers it without touching the table.
CREATE INDEX IF NOT EXISTS rm_candidates_pool_versions ON rm_candidates (agency_id, erased, id, version);
