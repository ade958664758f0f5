-- Who started a retention run by hand (`relais retention --operator NAME`: "cli:NAME"); empty when the
-- scheduler did, and for runs recorded before the field existed.
ALTER TABLE rm_retention_runs ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
