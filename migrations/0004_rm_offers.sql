-- Read model of job offers (list, search, detail). Rebuildable from the log.
CREATE TABLE IF NOT EXISTS rm_offers (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL,
    title TEXT NOT NULL,
    rome_code TEXT NOT NULL,
    skills TEXT NOT NULL,
    commune TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    hours_per_week INTEGER NOT NULL,
    salary_min INTEGER NOT NULL,
    salary_max INTEGER NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    closing_reason TEXT NOT NULL,
    search_text TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_offers_agency ON rm_offers (agency_id, published_at);
