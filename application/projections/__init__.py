"""Read models: tracked, exactly-once, resumable and rebuildable projections of the log."""
