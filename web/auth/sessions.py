"""The session cookie and the middleware that turns it into an `Identity` per request."""
from __future__ import annotations

import enum
from typing import Any

import anyio.to_thread
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from application.ports import Database
from application.queries.accounts import AccountQueries
from infrastructure.web_sessions import WebSessionStore
from web.auth.identity import Identity, request_id, set_identity
from web.reads import quick_read

SESSION_COOKIE = "relais_session"
#: Handlers with this opt key set (health, static files) skip the session look-up.
PUBLIC_OPT_KEY = "public"


class WriteDue(enum.Enum):
    """The answer needs a write first (a touch, or dropping a dead session): ask `identify`."""

    WRITE_DUE = "write due"


WRITE_DUE = WriteDue.WRITE_DUE


class Authenticator:
    """Session token -> the account it belongs to, if the session and the account are live."""

    def __init__(self, sessions: WebSessionStore, accounts: AccountQueries) -> None:
        self.sessions = sessions
        self.accounts = accounts

    def identify(self, token: str) -> Identity | None:
        """May write: records activity, drops an expired session or that of a closed account."""
        session = self.sessions.get(token)
        if session is None:
            return None
        account = self.accounts.by_id(session.account_id)
        if account is None or not account.active:
            self.sessions.close(token)
            return None
        return Identity(account=account, token=token)

    def identify_reading_only(self, token: str) -> Identity | None | WriteDue:
        """What `identify` answers when it needs no write; `WRITE_DUE` when it does."""
        found, account = self.sessions.look_up_with_account(token)  # one read: session and account
        if found.write_due:
            return WRITE_DUE
        if found.session is None:
            return None
        if account is None or not account.active:
            return WRITE_DUE  # `identify` closes the session
        return Identity(account=account, token=token)


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = PUBLIC_OPT_KEY

    def __init__(self, authenticator: Authenticator, database: Database) -> None:
        self.authenticator = authenticator
        self.database = database

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request_id(scope)
        token = Request(scope).cookies.get(SESSION_COOKIE)
        identity = None
        if token:
            # Mostly a read (see web/reads.py); a touch once a minute, in a worker thread.
            found = await quick_read(self.database, lambda: self.authenticator.identify_reading_only(token))
            if found is WRITE_DUE:
                found = await anyio.to_thread.run_sync(self.authenticator.identify, token)
            identity = found
        set_identity(scope, identity)
        await next_app(scope, receive, send)


def uses_https(request: Request[Any, Any, Any], secure_setting: bool | None) -> bool:
    if secure_setting is not None:
        return secure_setting
    return request.url.scheme == "https"


def set_session_cookie(response: Response[Any], token: str, secure: bool) -> None:
    response.set_cookie(
        Cookie(key=SESSION_COOKIE, value=token, path="/", httponly=True, secure=secure, samesite="lax")
    )


def clear_session_cookie(response: Response[Any]) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
