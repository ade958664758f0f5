"""Queries: what pages read, answered from read models only (never by replaying aggregates)."""
