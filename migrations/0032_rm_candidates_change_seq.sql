-- Matching keeps each agency's job seekers in memory and re-reads only the rows changed since:
-- every write of the candidates projection stamps its row with the next change number.
ALTER TABLE rm_candidates ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS rm_candidates_change_seq ON rm_candidates (change_seq);
