"""Retention as the compliance officer sees it: the period, who is due now, and each run's report."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from infrastructure.retention import retention_job
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.compliance import queries
from web.rendering import render, services_of


@get("/conformite/conservation", guards=[require_role("compliance")], sync_to_thread=True)
def retention_page(request: Request[Any, Any, Any]) -> Response[Any]:
    services = services_of(request)
    settings = services.settings
    # A dry run: who the next run would erase and which dated keys it would delete, computed now; nothing is
    # recorded or erased.
    preview = retention_job(services)(dry_run=True)
    context = {
        "months": settings.retention_months, "search_months": settings.audit_search_months,
        "reference_months": settings.erasure_reference_months, "preview": preview,
        "runs": queries(request).retention_runs(caller_of(request)),
    }
    return render(request, "compliance/retention.html", context)
