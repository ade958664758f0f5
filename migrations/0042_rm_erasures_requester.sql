-- Erasures name who asked by a kind from a closed list (docs/adr/0017); `requested_by` keeps the
-- free text of erasures recorded before it. `audit_search_keys`: JSON list of the auditors' day keys
-- deleted with the person because a search named them (docs/adr/0015).
ALTER TABLE rm_erasures ADD COLUMN requester TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_erasures ADD COLUMN audit_search_keys TEXT NOT NULL DEFAULT '[]';
