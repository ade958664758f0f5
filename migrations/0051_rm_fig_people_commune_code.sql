-- The oversight figures' copy of profiles keeps the commune's INSEE code, not its label (docs/adr/0005,
-- amendment of session 5): a label goes stale when a later COG renames or merges the commune, a code
-- keeps leading to it. The Python step reads each stored label with the gazetteer, as the events'
-- upcasts do; a label that designates no single commune (a bare homonym) becomes NULL, and how many
-- did is logged. The selections and the pool's commune counts, which held labels too, get codes
-- ("" when the label designates no single commune: not recorded, as an unknown commune always was).
-- Migration 0052 then puts the code in place of the label.
ALTER TABLE rm_fig_people ADD COLUMN commune_code TEXT;
-- python step: fig_people_commune_codes
