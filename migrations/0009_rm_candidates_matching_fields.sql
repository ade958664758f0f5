-- What a job seeker accepts, for matching: contract types (space-separated codes, empty: any),
-- maximum hours per week (0: no limit) and expected yearly salary (0: not stated).
-- The defaults are what events recorded before these fields existed mean.
ALTER TABLE rm_candidates ADD COLUMN contract_types TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_candidates ADD COLUMN max_hours_per_week INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rm_candidates ADD COLUMN salary_min_expected INTEGER NOT NULL DEFAULT 0;
-- Matching reads an agency's job seekers who can be contacted.
CREATE INDEX IF NOT EXISTS rm_candidates_matching ON rm_candidates (agency_id, erased, id);
