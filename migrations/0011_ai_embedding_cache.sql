-- Embeddings of the pseudonymised texts sent to Mistral (docs/adr/0010-mistral.md), so that a
-- profile is embedded once per model, even across restarts and processes. Keyed by the model and
-- the SHA-256 of the text sent: no person id and no text, so erasing a person leaves nothing here
-- that points to them. A cache: deleting rows (e.g. of a model no longer used) only costs new calls.
CREATE TABLE IF NOT EXISTS ai_embedding_cache (
    model TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    vector TEXT NOT NULL,
    PRIMARY KEY (model, text_sha256)
);
