-- Two indexes of rm_candidates that no read needs, dropped: each registration and each change of a job
-- seeker wrote both, for nothing (docs/adr/0020, session 6).
-- * rm_candidates_matching (agency_id, erased, id) is the prefix of rm_candidates_pool_versions
--   (agency_id, erased, id, version): the matching pool's read (application/queries/pool.py,
--   `WHERE agency_id = ? AND erased = 0 ORDER BY id`) is answered by the longer one as well.
-- * rm_candidates_phone (agency_id, phone) dates from before phone_claims: no read filters or sorts by
--   an agency's numbers any more; a number alone is looked up through rm_candidates_phone_lookup (phone).
DROP INDEX IF EXISTS rm_candidates_matching;
DROP INDEX IF EXISTS rm_candidates_phone;
