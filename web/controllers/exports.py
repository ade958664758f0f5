"""Compliance: export the event log (a background job with a progress page) and publish the signing key.

POST starts the job and answers 303 to its page; the page shows a progress bar that htmx
refreshes every second (without JavaScript, a "rafraîchir" link does the same), then a
download link. The archive is streamed from disk.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import File

from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.auth.sessions import PUBLIC_OPT_KEY
from web.forms.fields import Form
from web.forms.period import read_period
from web.rendering import render, see_other, services_of

BASE = "/conformite/export"
PARIS = ZoneInfo("Europe/Paris")


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=PARIS) if day else None


class ExportController(Controller):
    path = BASE
    guards = [require_role("compliance")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._index(request, Form())

    @post("/", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        form = Form()
        since, until = read_period(form, data, ("since", "until"))
        if since and since > services_of(request).clock.now().astimezone(PARIS).date():
            form.errors["since"] = "La date de début est à venir : aucun événement ne peut encore s'y trouver."
        if not form.valid:
            return self._index(request, form, 422)
        audit = services_of(request).audit
        assert audit is not None
        # "Au" is inclusive: the export stops at the start of the next day (Paris time).
        job_id = audit.jobs.start(caller_of(request), _start_of(since),
                                  _start_of(until + timedelta(days=1)) if until else None)
        return see_other(request, f"{BASE}/{job_id}")

    @get("/{job_id:str}", sync_to_thread=True)
    def job(self, request: Request[Any, Any, Any], job_id: FromPath[str]) -> Response[Any]:
        audit = services_of(request).audit
        assert audit is not None
        job = audit.jobs.get(job_id)
        if job is None:
            raise NotFoundException("no such export")
        context = {"job": job, "available": audit.jobs.archive_path(job) is not None}
        return render(request, "compliance/export_job.html", context, partial="compliance/_export_status.html",
                      headers={"Cache-Control": "no-store"})

    @get("/{job_id:str}/archive", sync_to_thread=True)
    def archive(self, request: Request[Any, Any, Any], job_id: FromPath[str]) -> File:
        audit = services_of(request).audit
        assert audit is not None
        job = audit.jobs.get(job_id)
        path = audit.jobs.archive_path(job) if job else None
        if path is None:
            raise NotFoundException("no archive for this export")
        return File(path=path, filename=path.name, media_type="application/zip",
                    headers={"Cache-Control": "no-store"})

    def _index(self, request: Request[Any, Any, Any], form: Form, status: int = 200) -> Response[Any]:
        audit = services_of(request).audit
        assert audit is not None
        audit.jobs.purge()
        context = {"form": form, "jobs": audit.jobs.recent(), "key_id": audit.key.key_id}
        return render(request, "compliance/export.html", context, status=status, headers={"Cache-Control": "no-store"})


@get("/compliance/export-key", sync_to_thread=True, opt={PUBLIC_OPT_KEY: True, "exclude_from_csrf": True})
def export_public_key(request: Request[Any, Any, Any]) -> Response[str]:
    """The public keys (PEM) that verify export manifests and log checkpoints: public on purpose. The current
    key comes first (a tool that reads one PEM gets it), then the previous keys still trusted, each under a
    comment naming its key id."""
    audit = services_of(request).audit
    assert audit is not None
    return Response(audit.keys.pem_bundle(), media_type="application/x-pem-file",
                    headers={"Content-Disposition": f'inline; filename="relais-{audit.key.key_id}.pem"'})
