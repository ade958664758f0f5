"""Role guards: each page names the roles that may open it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from web.auth.identity import identity_of


def require_role(*roles: str) -> Callable[[Any, Any], None]:
    def guard(connection: Any, _handler: Any) -> None:
        identity = identity_of(connection)
        if identity is None:
            raise NotAuthorizedException("sign-in required")
        if identity.account.role not in roles:
            raise PermissionDeniedException("role not allowed here")

    guard.__name__ = f"require_role_{'_'.join(roles)}"
    return guard
