-- Read model of job seekers (list, search, detail). Rebuildable from the log.
CREATE TABLE IF NOT EXISTS rm_candidates (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    commune TEXT NOT NULL,
    rome_codes TEXT NOT NULL,
    skills TEXT NOT NULL,
    available_from TEXT NOT NULL,
    mobility_km INTEGER NOT NULL,
    notes TEXT NOT NULL,
    sms_consent INTEGER NOT NULL,
    erased INTEGER NOT NULL,
    search_text TEXT NOT NULL,
    version INTEGER NOT NULL,
    registered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_candidates_agency ON rm_candidates (agency_id, last_name, first_name);
CREATE INDEX IF NOT EXISTS rm_candidates_phone ON rm_candidates (agency_id, phone);
