-- Outreach in the auditors' oversight figures (docs/adr/0016): the AI's readings of SMS
-- replies and the advisors' corrections, one row per reading with the filter columns
-- (agency, advisor who approved the outreach, model, time of the reading). The people
-- contacted by SMS are rows of rm_fig_selections with selection = 'contacted'.
-- No personal data here: ids, model names and the reading's closed-list codes.
CREATE TABLE IF NOT EXISTS rm_fig_outreaches (
    outreach_id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    approved_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_fig_readings (
    suggestion_id TEXT PRIMARY KEY,
    outreach_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    model TEXT NOT NULL,
    low_confidence INTEGER NOT NULL,
    read_at TEXT NOT NULL,
    ai_intent TEXT NOT NULL,
    ai_needs TEXT NOT NULL,
    corrections INTEGER NOT NULL,
    corrected INTEGER NOT NULL,
    corrected_by TEXT NOT NULL,
    corrected_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_fig_readings_time ON rm_fig_readings (read_at);
-- The projection now reads the outreach events too: empty its tables and move it back to the
-- start of the log, so the next catch-up replays the whole log into it (the other projections
-- keep their place). A fresh database has nothing to replay.
DELETE FROM rm_fig_people;
DELETE FROM rm_fig_offers;
DELETE FROM rm_fig_requests;
DELETE FROM rm_fig_pool;
DELETE FROM rm_fig_suggestions;
DELETE FROM rm_fig_selections;
DELETE FROM rm_fig_outreaches;
DELETE FROM rm_fig_readings;
UPDATE projection_tracking SET position = 0 WHERE name = 'oversight_figures';
