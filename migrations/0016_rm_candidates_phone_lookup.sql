-- Inbound SMS are matched to a person by number alone (any agency): index the phone by itself.
CREATE INDEX IF NOT EXISTS rm_candidates_phone_lookup ON rm_candidates (phone);
