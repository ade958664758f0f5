-- Read model of the auditors' oversight figures (docs/adr/0016), rebuildable from the log.
-- One row per match request, per suggestion and per person put on a shortlist, each with
-- what the filters need (agency, advisor, model, time), so the page aggregates in SQL.
-- rm_fig_pool holds how many eligible people of each category a request considered, as
-- the request recorded it. rm_fig_people holds the birth date (personal data): the
-- projection blanks it, and the age band it gave, when the person is erased.
CREATE TABLE IF NOT EXISTS rm_fig_people (
    candidate_id TEXT PRIMARY KEY,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    priority_area TEXT NOT NULL,
    commune TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_fig_offers (
    offer_id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_fig_requests (
    request_id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    model TEXT NOT NULL,
    list_length INTEGER NOT NULL,
    eligible_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_fig_requests_time ON rm_fig_requests (requested_at);
-- The request's filter columns are copied on its pool rows: the page sums them without a join.
CREATE TABLE IF NOT EXISTS rm_fig_pool (
    request_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    category TEXT NOT NULL,
    people INTEGER NOT NULL,
    agency_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    model TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    PRIMARY KEY (request_id, dimension, category)
);
CREATE INDEX IF NOT EXISTS rm_fig_pool_time ON rm_fig_pool (requested_at);
CREATE TABLE IF NOT EXISTS rm_fig_suggestions (
    suggestion_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    model TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    suggested_at TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    decide_ms BIGINT,
    list_length INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_fig_suggestions_suggested ON rm_fig_suggestions (suggested_at);
CREATE INDEX IF NOT EXISTS rm_fig_suggestions_decided ON rm_fig_suggestions (decided_at, decide_ms);
-- Percentiles of decision times: the database walks this index to the k-th value, no sort.
CREATE INDEX IF NOT EXISTS rm_fig_suggestions_decide_ms ON rm_fig_suggestions (decide_ms);
CREATE INDEX IF NOT EXISTS rm_fig_suggestions_request ON rm_fig_suggestions (request_id);
CREATE TABLE IF NOT EXISTS rm_fig_selections (
    selection_key TEXT PRIMARY KEY,
    selection TEXT NOT NULL,
    how TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    advisor_id TEXT NOT NULL,
    model TEXT NOT NULL,
    selected_at TEXT NOT NULL,
    age_band TEXT NOT NULL,
    sex TEXT NOT NULL,
    priority_area TEXT NOT NULL,
    commune TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_fig_selections_time ON rm_fig_selections (selection, selected_at);
CREATE INDEX IF NOT EXISTS rm_fig_selections_candidate ON rm_fig_selections (candidate_id);
