"""Headers every response carries: CSP, no sniffing, no referrer leak, request id, no-store."""
from __future__ import annotations

from litestar.types import Message, Scope

from web.auth.identity import request_id

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
STATIC_PREFIX = "/static/"

# Encoded once: this hook runs for every response, and parsing the headers into a mutable
# mapping to set each one cost more than the rest of the hook.
_EVERY_RESPONSE = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
#: Pages show personal data; none of them may be kept by the browser or a proxy.
_PAGES = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))
_HTTPS = ((b"strict-transport-security", b"max-age=31536000"),)
_REQUEST_ID = b"x-request-id"
_SET_ON_EVERY_RESPONSE = frozenset(name for name, _ in (*_EVERY_RESPONSE, *_HTTPS)) | {_REQUEST_ID}
_SET_ON_PAGES = _SET_ON_EVERY_RESPONSE | {name for name, _ in _PAGES}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """`before_send` hook: runs for every response, error pages included; its values win."""
    if message["type"] != "http.response.start":
        return
    page = not scope.get("path", "").startswith(STATIC_PREFIX)  # static files keep their own caching
    replaced = _SET_ON_PAGES if page else _SET_ON_EVERY_RESPONSE
    headers = [(name, value) for name, value in message.get("headers", ()) if name.lower() not in replaced]
    headers.extend(_EVERY_RESPONSE)
    headers.append((_REQUEST_ID, request_id(scope).encode()))
    if scope.get("scheme") == "https":
        headers.extend(_HTTPS)
    if page:
        headers.extend(_PAGES)
    message["headers"] = headers
