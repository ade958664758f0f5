"""Relais use cases, ports and read models (no framework, driver or SDK)."""
