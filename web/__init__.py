"""Relais web layer: Litestar app, controllers, forms, templates and static assets."""
