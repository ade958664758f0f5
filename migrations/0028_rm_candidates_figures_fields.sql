-- What the oversight figures need about a job seeker, each recorded only if given
-- (docs/adr/0016): birth date ("AAAA-MM-JJ" or "AAAA", personal data, scrubbed on erasure),
-- sex ("F", "M") and whether they live in a priority neighbourhood ("yes", "no").
-- Empty means not recorded, which is also what events written before these fields mean.
ALTER TABLE rm_candidates ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_candidates ADD COLUMN sex TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_candidates ADD COLUMN priority_area TEXT NOT NULL DEFAULT '';
