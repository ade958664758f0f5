-- What the compliance officer and the retention job did: explanation letters produced, erasures,
-- retention runs with their report. Ids, codes, dates and counts only (requested_by names who asked
-- for an erasure, as the event records it). Rebuildable from the log.
CREATE TABLE IF NOT EXISTS rm_explanation_letters (
    letter_id TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL,
    produced_at TEXT NOT NULL,
    produced_by TEXT NOT NULL,
    as_of TEXT NOT NULL,
    suggestion_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_explanation_letters_candidate ON rm_explanation_letters (candidate_id, produced_at);
CREATE TABLE IF NOT EXISTS rm_erasures (
    candidate_id TEXT PRIMARY KEY,
    erased_at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    requested_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_retention_runs (
    run_id TEXT PRIMARY KEY,
    ran_at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    months INTEGER NOT NULL,
    cutoff TEXT NOT NULL,
    examined INTEGER NOT NULL,
    erased INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    entries TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_retention_runs_ran_at ON rm_retention_runs (ran_at);
