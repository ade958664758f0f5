"""Every page an auditor opens is itself recorded in the log (issue 5), before the page is answered.

Recorded first, so a page is never shown without its record (if recording fails, the page
fails). Only GET and HEAD: an auditor's POST is refused with 403 and changes nothing. Pages
outside the audit area are recorded too (an attempt answered 403 is worth knowing about).
"""
from __future__ import annotations

import re
from urllib.parse import unquote_plus

import anyio.to_thread
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from web.auth.identity import identity_of, request_id
from web.auth.sessions import PUBLIC_OPT_KEY

UUID_IN_PATH = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
RECORDED_ROLES = ("auditor",)
READS = ("GET", "HEAD")
#: The sign-in page shows no record (a signed-in user is only sent back home from it).
NOT_PAGES_OF_RECORDS = ("/connexion",)


class AuditTrailMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = PUBLIC_OPT_KEY  # static files and health checks are no pages

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        identity = identity_of(_Connection(scope))
        if (
            identity is not None and identity.account.role in RECORDED_ROLES and scope.get("method") in READS
            and scope.get("path") not in NOT_PAGES_OF_RECORDS
        ):
            caller = identity.caller(request_id(scope))
            path = scope.get("path", "")
            found = UUID_IN_PATH.search(path)
            query = unquote_plus(scope.get("query_string", b"").decode("latin-1"))
            app = scope["app"].state.services.app
            await anyio.to_thread.run_sync(
                app.record_audit_access, scope["method"], path, found.group(0).lower() if found else "", query, caller
            )
        await next_app(scope, receive, send)


class _Connection:
    """identity_of() reads `connection.scope`; a middleware has the scope alone."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
