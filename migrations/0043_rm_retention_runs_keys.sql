-- Each retention run also deletes the dated keys past their period: auditors' search days and
-- months of the erasure register (docs/adr/0015, 0017). JSON list of the key owners deleted.
ALTER TABLE rm_retention_runs ADD COLUMN deleted_keys TEXT NOT NULL DEFAULT '[]';
