-- The precision of an erasure's ground ("Précisions", required for the reason "autre"), shown on the
-- record of what was erased. It is in the event already (in clear, 200 characters at most since this
-- change, docs/adr/0022). Backfill: the projection reads it from the events, so empty its tables and
-- move it back to the start of the log; the next catch-up replays the whole log into them (the other
-- projections keep their place).
ALTER TABLE rm_erasures ADD COLUMN reason_text TEXT NOT NULL DEFAULT '';
DELETE FROM rm_explanation_letters;
DELETE FROM rm_erasures;
DELETE FROM rm_retention_runs;
UPDATE projection_tracking SET position = 0 WHERE name = 'compliance_registers';
