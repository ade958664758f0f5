"""GET /communes: the communes whose name or postcode begins as typed, as datalist options.

Forms ask it as the advisor types (htmx), rather than carrying ~35,000 options in every page.
Without JavaScript the field stays a plain text field, checked on submit.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from web.auth.guards import require_role
from web.controllers.support import MAX_QUERY_LENGTH
from web.rendering import render, services_of

SUGGESTIONS = 20


@get("/communes", sync_to_thread=True, guards=[require_role("advisor")])
def commune_suggestions(request: Request[Any, Any, Any]) -> Response[Any]:
    typed = request.query_params.get("commune", "").strip()[:MAX_QUERY_LENGTH]
    labels = services_of(request).gazetteer.suggest_communes(typed, SUGGESTIONS) if typed else []
    return render(request, "communes/_options.html", {"labels": labels})
