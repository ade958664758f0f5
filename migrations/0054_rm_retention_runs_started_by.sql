-- Who started a retention run: "cli:NAME" by hand (`relais retention --operator NAME`), "scheduler" for
-- the scheduler; empty for runs recorded before the field existed.
ALTER TABLE rm_retention_runs ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
