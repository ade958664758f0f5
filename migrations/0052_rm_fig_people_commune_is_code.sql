-- rm_fig_people.commune is the INSEE code filled by migration 0051 (NULL: not known), no longer the label.
ALTER TABLE rm_fig_people DROP COLUMN commune;
ALTER TABLE rm_fig_people RENAME COLUMN commune_code TO commune;
