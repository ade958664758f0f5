"""The session cookie and the middleware that turns it into an `Identity` per request."""
from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from application.queries.accounts import AccountQueries
from infrastructure.web_sessions import WebSessionStore
from web.auth.identity import Identity, request_id, set_identity

SESSION_COOKIE = "relais_session"
#: Handlers with this opt key set (health, static files) skip the session look-up.
PUBLIC_OPT_KEY = "public"


class Authenticator:
    """Session token -> the account it belongs to, if the session and the account are live."""

    def __init__(self, sessions: WebSessionStore, accounts: AccountQueries) -> None:
        self.sessions = sessions
        self.accounts = accounts

    def identify(self, token: str) -> Identity | None:
        session = self.sessions.get(token)
        if session is None:
            return None
        account = self.accounts.by_id(session.account_id)
        if account is None or not account.active:
            self.sessions.close(token)
            return None
        return Identity(account=account, token=token)


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = PUBLIC_OPT_KEY

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request_id(scope)
        token = Request(scope).cookies.get(SESSION_COOKIE)
        identity = None
        if token:
            # The look-up is a database call: keep it off the event loop.
            identity = await anyio.to_thread.run_sync(self.authenticator.identify, token)
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
