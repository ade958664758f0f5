"""How controllers answer: a full page, or its fragment alone for htmx; 303 or HX-Redirect."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.response import Redirect, Template

from web.auth.identity import identity_of
from web.labels import ROLE_HOMES, ROLE_LABELS

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services


def services_of(request: Request[Any, Any, Any]) -> Services:
    return request.app.state.services


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """An htmx request that wants a fragment (not a boosted link nor a history restore)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


#: Roles whose pages replay the log: they are told when its last integrity check failed.
READERS_OF_THE_LOG = ("auditor", "compliance")


def page_context(request: Request[Any, Any, Any], context: dict[str, Any] | None = None) -> dict[str, Any]:
    identity = identity_of(request)
    base: dict[str, Any] = {
        "me": identity.account if identity else None,
        "role_label": ROLE_LABELS.get(identity.account.role, "") if identity else "",
        "home_url": ROLE_HOMES.get(identity.account.role, "/") if identity else "/connexion",
        "path": request.url.path,
        "failed_check": None,
    }
    if identity is not None and identity.account.role in READERS_OF_THE_LOG:
        audit = getattr(services_of(request), "audit", None)
        last = audit.checks.latest() if audit is not None else None
        base["failed_check"] = last if last is not None and not last.ok else None
    base.update(context or {})
    return base


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    """The full page, or only `partial` when htmx asks (the page includes the same partial)."""
    name = partial if partial and is_htmx(request) else template
    all_headers = {"Vary": "HX-Request"} if partial else {}
    all_headers.update(headers or {})
    return Template(
        template_name=name,
        context=page_context(request, context),
        status_code=status,
        headers=all_headers,
        media_type=MediaType.HTML,
    )


def see_other(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    """Post/Redirect/Get: 303 for a plain form, HX-Redirect (full navigation) for htmx."""
    if request.headers.get("hx-request") == "true":
        return Response(content=b"", status_code=200, headers={"HX-Redirect": url}, media_type=MediaType.HTML)
    return Redirect(path=url, status_code=303)


def safe_next(url: str | None) -> str | None:
    """A local path to return to after sign-in, or None (no open redirect)."""
    if not url or not url.startswith("/") or url.startswith("//") or url.startswith("/\\"):
        return None
    if any(c in url for c in "\r\n\t") or len(url) > 500:
        return None
    return url
