"""The CSRF cookie's name, shared by the app factory and the sign-in pages, and its Secure rule."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.types import Message, Scope

#: Litestar's CSRFConfig (double-submit, HMAC-signed token) uses this cookie; forms carry
#: the same token in `_csrf_token`, htmx requests in the `x-csrftoken` header.
CSRF_COOKIE = "relais_csrf"


def csrf_cookie_follows_scheme(secure_setting: bool | None) -> Callable[[Message, Scope], Awaitable[None]]:
    """A `before_send` hook: the CSRF cookie is Secure by the same rule as the session cookie
    (`web.auth.sessions.uses_https`): RELAIS_SECURE_COOKIES when set, else the request's scheme.

    Litestar's CSRFConfig takes one fixed `cookie_secure`, which only covers the setting; over
    https with the setting unset the cookie went out without Secure (review finding 10)."""

    async def hook(message: Message, scope: Scope) -> None:
        if secure_setting is not None or message["type"] != "http.response.start" or scope.get("scheme") != "https":
            return
        message["headers"] = [
            (name, value + b"; Secure") if _unsecured_csrf_cookie(name, value) else (name, value)
            for name, value in message.get("headers", ())
        ]

    return hook


def _unsecured_csrf_cookie(name: bytes, value: bytes) -> bool:
    if name.lower() != b"set-cookie" or not value.startswith(CSRF_COOKIE.encode() + b"="):
        return False
    return b"secure" not in (attribute.strip().lower() for attribute in value.split(b";")[1:])
