-- The INSEE code of the commune of each job seeker and offer (docs/adr/0005, amendment of session 4):
-- what matching reads a position by, so that a commune renamed or merged by a later Code officiel
-- géographique keeps its people. "unknown" when a label stored before designates no single commune.
ALTER TABLE rm_candidates ADD COLUMN commune_code TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_offers ADD COLUMN commune_code TEXT NOT NULL DEFAULT '';
-- Backfill: the two projections read the code from the events (older events are upcast with the
-- gazetteer): empty their tables and move them back to the start of the log, so that the next
-- catch-up replays the whole log into them (the other projections keep their place).
DELETE FROM rm_candidates;
DELETE FROM rm_offers;
UPDATE projection_tracking SET position = 0 WHERE name IN ('candidates', 'offers');
