"""Adapters, settings and the composition root of Relais."""
