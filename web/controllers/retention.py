"""Retention as the compliance officer sees it: the period, who is due now, and each run's report."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from application.retention import RetentionJob
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.compliance import queries
from web.rendering import render, services_of


@get("/conformite/conservation", guards=[require_role("compliance")], sync_to_thread=True)
def retention_page(request: Request[Any, Any, Any]) -> Response[Any]:
    services = services_of(request)
    months = services.settings.retention_months
    # A dry run: who the next run would erase, computed now; nothing is recorded or erased.
    preview = RetentionJob(services.app, services.database, months)(dry_run=True)
    context = {"months": months, "preview": preview, "runs": queries(request).retention_runs(caller_of(request))}
    return render(request, "compliance/retention.html", context)
