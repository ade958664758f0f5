"""Who is making this request: a signed-in account (or nobody), and the request id."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from litestar.exceptions import NotAuthorizedException

from application.caller import Caller
from application.queries.accounts import AccountView

REQUEST_ID_KEY = "relais_request_id"
IDENTITY_KEY = "relais_identity"


@dataclass(frozen=True)
class Identity:
    """The signed-in account, as the read model knows it now (role changes apply at once)."""

    account: AccountView
    token: str

    def caller(self, correlation_id: str) -> Caller:
        return Caller(
            actor_id=self.account.id,
            role=self.account.role,
            agency_id=self.account.agency_id,
            correlation_id=correlation_id,
            username=self.account.username,
        )


def _state(scope: Any) -> dict[str, Any]:
    return scope.setdefault("state", {})


def request_id(scope: Any) -> str:
    """A fresh uuid4 per request, made on first use; also sent back as X-Request-ID."""
    state = _state(scope)
    value = state.get(REQUEST_ID_KEY)
    if value is None:
        value = state[REQUEST_ID_KEY] = str(uuid4())
    return value


def set_identity(scope: Any, identity: Identity | None) -> None:
    _state(scope)[IDENTITY_KEY] = identity


def identity_of(connection: Any) -> Identity | None:
    return _state(connection.scope).get(IDENTITY_KEY)


def caller_of(connection: Any) -> Caller:
    """The caller of a use case; only on pages the guards already restricted to signed-in users."""
    identity = identity_of(connection)
    if identity is None:  # a guard is missing: fail closed
        raise NotAuthorizedException()
    return identity.caller(request_id(connection.scope))
