"""The UTF-8 check of every request (web/text_encoding.py) is the app's `before_request`: in Litestar a
controller's or a route's own `before_request` replaces it, so a later one would silently drop the check
(review 8, finding 9). Every route handler must resolve to it."""
from __future__ import annotations

from typing import Any

from litestar.handlers import HTTPRouteHandler

from web.app import create_app
from web.text_encoding import refuse_undecodable_text


def test_every_route_resolves_to_the_apps_utf8_check(services: Any) -> None:
    app = create_app(services)
    handlers = [handler for route in app.routes for handler in getattr(route, "route_handlers", ())
                if isinstance(handler, HTTPRouteHandler)]
    assert len(handlers) > 50
    others = [str(handler) for handler in handlers if handler.resolve_before_request() is not refuse_undecodable_text]
    assert others == []
