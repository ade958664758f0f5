"""Each role's home page."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.rendering import render, services_of


@get("/conseiller", guards=[require_role("advisor")], sync_to_thread=True)
def advisor_home(request: Request[Any, Any, Any]) -> Template:
    services = services_of(request)
    caller = caller_of(request)
    context = {
        "candidate_count": services.candidates.search(caller, "", 1, size=1).total,
        "offer_count": services.offers.search(caller, "", 1, size=1).total,
    }
    return render(request, "advisor/home.html", context)


@get("/audit", guards=[require_role("auditor")])
async def auditor_home(request: Request[Any, Any, Any]) -> Template:
    return render(request, "audit/home.html")


@get("/conformite", guards=[require_role("compliance")])
async def compliance_home(request: Request[Any, Any, Any]) -> Template:
    return render(request, "compliance/home.html")
