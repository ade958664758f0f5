"""Relais domain: aggregates, value objects and domain errors (no I/O, no clock)."""
