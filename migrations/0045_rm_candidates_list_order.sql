-- The advisor's list reads an agency's job seekers ORDER BY last_name, first_name, id, 20 at a time.
-- The index of 0003 stops at first_name, so every page sorted the agency's rows again on id
-- (SQLite: "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"). With id in the index a page is read in
-- order and stops after its rows, however large the agency. It replaces the shorter index: any
-- query that used (agency_id, last_name, first_name) uses its prefix.
CREATE INDEX IF NOT EXISTS rm_candidates_list_order ON rm_candidates (agency_id, last_name, first_name, id);
DROP INDEX IF EXISTS rm_candidates_agency;
