"""Role guards: each page names the roles that may open it."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from web.auth.identity import identity_of


def require_role(*roles: str) -> Callable[[Any, Any], Awaitable[None]]:
    # Async on purpose: Litestar runs a sync guard in a worker thread, a hop per request
    # for a check that reads only the request's state.
    async def guard(connection: Any, _handler: Any) -> None:
        identity = identity_of(connection)
        if identity is None:
            raise NotAuthorizedException("sign-in required")
        if identity.account.role not in roles:
            raise PermissionDeniedException("role not allowed here")

    guard.__name__ = f"require_role_{'_'.join(roles)}"
    return guard
