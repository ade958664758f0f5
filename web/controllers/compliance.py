"""The compliance officer's people pages: find a person (any agency), produce an explanation letter,
erase their personal data on request and see what was erased where."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from application.explanations import ExplanationLetters
from application.queries.compliance import ComplianceQueries
from application.values import ERASURE_REASONS, ERASURE_REQUESTERS, Reason
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import FORM_ERROR, attempt, page_number, parse_id, query_text
from web.forms.fields import Form
from web.labels import ERASURE_REASON_LABELS, ERASURE_REQUESTER_LABELS, REASON_PLACEHOLDER, options
from web.rendering import render, see_other, services_of

BASE = "/conformite/personnes"
#: A person's request is erased by hand; "retention" is the job's own reason.
HAND_ERASURE_REASONS = tuple(code for code in ERASURE_REASONS if code != "retention")
#: ...and on a request from someone: "conservation" (the retention policy) is the job's own requester.
HAND_REQUESTERS = tuple(kind for kind in ERASURE_REQUESTERS if kind != "conservation")


def queries(request: Request[Any, Any, Any]) -> ComplianceQueries:
    services = services_of(request)
    return ComplianceQueries(services.database, services.gazetteer, services.app.phone_claims)


def letters(request: Request[Any, Any, Any]) -> ExplanationLetters:
    services = services_of(request)
    return ExplanationLetters(services.app, services.database)


def username(request: Request[Any, Any, Any], actor_id: str) -> str:
    account = services_of(request).accounts.by_id(actor_id) if actor_id else None
    return account.username if account else actor_id


class PeopleController(Controller):
    path = BASE
    guards = [require_role("compliance")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        q = query_text(request)
        results = queries(request).search_people(caller_of(request), q, page_number(request))
        return render(request, "compliance/people.html", {"q": q, "results": results},
                      partial="compliance/_people.html")

    @get("/{candidate_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], candidate_id: FromPath[str]) -> Response[Any]:
        return self._person(request, parse_id(candidate_id), Form())

    @post("/{candidate_id:str}/lettres", sync_to_thread=True)
    def produce_letter(self, request: Request[Any, Any, Any], candidate_id: FromPath[str]) -> Response[Any]:
        identifier = parse_id(candidate_id)
        queries(request).person(caller_of(request), identifier)  # 404 before anything is recorded
        form = Form()
        letter_id, status = attempt(form, lambda: letters(request).produce(caller_of(request), identifier))
        if letter_id is not None:
            return see_other(request, f"/conformite/lettres/{letter_id}")
        return self._person(request, identifier, form, status)

    @get("/{candidate_id:str}/effacement", sync_to_thread=True)
    def erasure(self, request: Request[Any, Any, Any], candidate_id: FromPath[str]) -> Response[Any]:
        identifier = parse_id(candidate_id)
        person = queries(request).person(caller_of(request), identifier)
        if person.erased:
            return self._report(request, identifier)
        return self._confirm(request, person, Form())

    @post("/{candidate_id:str}/effacement", sync_to_thread=True)
    def erase(
        self, request: Request[Any, Any, Any], candidate_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        identifier = parse_id(candidate_id)
        caller = caller_of(request)
        person = queries(request).person(caller, identifier)
        form = Form()
        code, text = form.text(data, "reason"), form.text(data, "reason_text")
        requester, reference = form.text(data, "requester"), form.text(data, "reference")
        if code not in HAND_ERASURE_REASONS:
            form.errors["reason"] = "Choisissez un motif."
        if requester not in HAND_REQUESTERS:
            form.errors["requester"] = "Choisissez qui a demandé l'effacement."
        if not form.checkbox(data, "confirm"):
            form.errors["confirm"] = "Cochez la case pour confirmer : l'effacement est définitif."
        if form.errors:
            return self._confirm(request, person, form, 422)
        _, status = attempt(form, lambda: services_of(request).app.erase_candidate(
            identifier, Reason(code, text), requester, caller, reference=reference))
        if status:
            return self._confirm(request, person, form, status)
        return see_other(request, f"{BASE}/{identifier}/effacement")

    # Pages ------------------------------------------------------------------------------

    def _person(self, request: Request[Any, Any, Any], identifier: UUID, form: Form, status: int = 200) -> Response[Any]:
        caller = caller_of(request)
        q = queries(request)
        person = q.person(caller, identifier)
        context = {
            "p": person,
            "letters": q.letters(caller, identifier),
            "erasure": q.erasure(caller, identifier),
            "form": form,
            "username": lambda actor: username(request, actor),
        }
        return render(request, "compliance/person.html", context, status=status)

    def _confirm(self, request: Request[Any, Any, Any], person: Any, form: Form, status: int = 200) -> Response[Any]:
        context = {
            "p": person,
            "form": form,
            "reason_options": options(HAND_ERASURE_REASONS, ERASURE_REASON_LABELS, REASON_PLACEHOLDER),
            "requester_options": options(HAND_REQUESTERS, ERASURE_REQUESTER_LABELS, "— Choisir —"),
            "form_error": form.errors.get(FORM_ERROR),
        }
        return render(request, "compliance/erase.html", context, partial="compliance/_erase_form.html", status=status)

    def _report(self, request: Request[Any, Any, Any], identifier: UUID) -> Response[Any]:
        caller = caller_of(request)
        q = queries(request)
        report = q.erasure_report(caller, identifier)
        audit = services_of(request).audit
        context = {
            "p": q.person(caller, identifier),
            "report": report,
            # Checked on disk now: export archives or folders made before the erasure that are still there.
            "exports_left": audit.jobs.left_from_before(report.record.erased_at) if audit is not None else None,
            "reference": services_of(request).app.erasure_reference(identifier, caller),
            "username": lambda actor: username(request, actor),
        }
        return render(request, "compliance/erasure_report.html", context)
