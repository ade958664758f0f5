"""Headers every response carries: CSP, no sniffing, no referrer leak, request id, no-store."""
from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from web.auth.identity import request_id

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
STATIC_PREFIX = "/static/"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """`before_send` hook: runs for every response, error pages included."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["X-Request-ID"] = request_id(scope)
    if scope.get("scheme") == "https":
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not scope.get("path", "").startswith(STATIC_PREFIX):
        # Pages show personal data; none of them may be kept by the browser or a proxy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
