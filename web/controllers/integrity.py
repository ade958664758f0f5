"""The auditors' integrity page: the same check as `relais verify-log`, read-only.

The walk over the whole log runs in a worker thread (sync_to_thread): a large log takes
seconds and must not hold up other requests.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from infrastructure.audit_log import AuditLog
from infrastructure.log_mark import LogMarkError, Mark
from web.auth.guards import require_role
from web.rendering import render, services_of


@get("/audit/integrite", guards=[require_role("auditor", "compliance")], sync_to_thread=True)
def log_integrity(request: Request[Any, Any, Any]) -> Template:
    audit = services_of(request).audit
    assert audit is not None
    report = audit.verify()
    context = {"report": report, "latest": audit.checkpoints.latest(), "mark": _mark(audit), "key_id": audit.key.key_id,
               "every": audit.checkpoints.every, "keys": list(audit.keys.trusted().values()),
               "untrusted": audit.keys.recorded_untrusted()}
    return render(request, "audit/integrity.html", context, headers={"Cache-Control": "no-store"})


def _mark(audit: AuditLog) -> Mark | None:
    """The high-water mark kept beside the signing key, for display (the check itself is in the report)."""
    try:
        return audit.mark.read() if audit.mark is not None else None
    except LogMarkError:
        return None
