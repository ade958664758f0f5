"""One controller per feature; each calls application use cases and queries only."""
