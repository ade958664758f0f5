"""GET /health: is the app up, and which database does it use (no sign-in)."""
from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get

from web.auth.sessions import PUBLIC_OPT_KEY
from web.rendering import services_of

log = logging.getLogger(__name__)


@get("/health", sync_to_thread=True, opt={PUBLIC_OPT_KEY: True, "exclude_from_csrf": True})
def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    services = services_of(request)
    body: dict[str, Any] = {"status": "ok", "database": services.settings.database.describe()}
    try:
        with services.database.read() as tx:
            tx.fetchone("SELECT 1 AS ok")
    except Exception:  # noqa: BLE001 - any failure means "not healthy", said plainly
        log.exception("health check: the database does not answer")
        return Response({**body, "status": "error"}, status_code=503)
    return Response(body, status_code=200)
