"""The advisor's job seekers: list and search, register, open, change, SMS consent."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from application.queries.candidates import CandidateView
from application.values import CONSENT_WITHDRAWAL_REASONS, CONTRACT_TYPES
from web.auth.guards import require_role
from web.candidate_rows import candidate_rows
from web.auth.identity import caller_of
from web.controllers.support import attempt, page_number, parse_id, query_text
from web.forms.candidate import CandidateForm, ConsentForm
from web.forms.fields import Form
from web.labels import CONSENT_WITHDRAWAL_LABELS, REASON_PLACEHOLDER, options
from web.reads import quick_read
from web.rendering import is_htmx, render, see_other, services_of

BASE = "/conseiller/demandeurs"


def withdrawal_options() -> list[tuple[str, str]]:
    return options(CONSENT_WITHDRAWAL_REASONS, CONSENT_WITHDRAWAL_LABELS, REASON_PLACEHOLDER)


class CandidateController(Controller):
    path = BASE
    guards = [require_role("advisor")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        q, page, caller = query_text(request), page_number(request), caller_of(request)
        services = services_of(request)
        results = await quick_read(services.database, lambda: services.candidates.list_page(caller, q, page))
        # The rows are rendered outside Jinja (the page's largest cost); page and fragment share them.
        context = {"q": q, "results": results, "rows": candidate_rows(results.items)}
        return render(request, "candidates/list.html", context, partial="candidates/_results.html")

    @get("/nouveau", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._form_page(request, "candidates/new.html", CandidateForm.empty(), new=True)

    @post("/nouveau", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        form = CandidateForm.parse(data, services.gazetteer)
        status = 422
        if form.details is not None:
            details = form.details
            candidate_id, status = attempt(
                form, lambda: services.app.register_candidate(details, form.sms_consent, caller_of(request))
            )
            if candidate_id is not None:
                return see_other(request, f"{BASE}/{candidate_id}")
        return self._form_page(request, "candidates/new.html", form, new=True, status=status)

    @get("/{candidate_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], candidate_id: FromPath[str]) -> Response[Any]:
        candidate = services_of(request).candidates.get(caller_of(request), parse_id(candidate_id))
        return self._detail(request, candidate, Form())

    @get("/{candidate_id:str}/modifier", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], candidate_id: FromPath[str]) -> Response[Any]:
        candidate = services_of(request).candidates.get(caller_of(request), parse_id(candidate_id))
        if candidate.erased:
            return self._erased(request, candidate)
        return self._form_page(request, "candidates/edit.html", CandidateForm.from_view(candidate), candidate=candidate)

    @post("/{candidate_id:str}/modifier", sync_to_thread=True)
    def update(
        self, request: Request[Any, Any, Any], candidate_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        candidate = services.candidates.get(caller, parse_id(candidate_id))
        if candidate.erased:
            return self._erased(request, candidate)
        form = CandidateForm.parse(data, services.gazetteer)
        version = form.version()
        status = 422
        if version is None:
            form.errors["form"] = "Le formulaire est incomplet : rechargez la page."
            status = 400
        elif form.details is not None:
            details = form.details
            new_version, status = attempt(
                form, lambda: services.app.change_candidate_profile(parse_id(candidate.id), version, details, caller)
            )
            if new_version is not None:
                return see_other(request, f"{BASE}/{candidate.id}")
        return self._form_page(request, "candidates/edit.html", form, candidate=candidate, status=status)

    @post("/{candidate_id:str}/consentement", sync_to_thread=True)
    def consent(
        self, request: Request[Any, Any, Any], candidate_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        identifier = parse_id(candidate_id)
        candidate = services.candidates.get(caller, identifier)
        form = ConsentForm.parse(data)
        status = 422
        if form.give or form.reason is not None:
            reason = form.reason
            _, status = attempt(form, lambda: services.app.set_sms_consent(identifier, form.give, reason, caller))
        elif "form" in form.errors:
            status = 400
        if not status:
            if not is_htmx(request):
                return see_other(request, f"{BASE}/{candidate.id}")
            candidate = services.candidates.get(caller, identifier)
            form = Form()
        return render(
            request,
            "candidates/detail.html",
            {
                "c": candidate,
                "consent_form": form,
                "withdrawal_reasons": withdrawal_options(),
                "consent_changed": not status,  # htmx: move focus to the new state
            },
            partial="candidates/_consent.html",
            status=status or 200,
        )

    def _detail(self, request: Request[Any, Any, Any], candidate: CandidateView, consent_form: Form) -> Response[Any]:
        return render(
            request,
            "candidates/detail.html",
            {"c": candidate, "consent_form": consent_form, "withdrawal_reasons": withdrawal_options()},
        )

    def _erased(self, request: Request[Any, Any, Any], candidate: CandidateView) -> Response[Any]:
        """The edit form of an erased person is gone for good: 410, no form (docs/adr/0017, session 6)."""
        return render(request, "candidates/erased.html", {"c": candidate}, partial="candidates/_erased.html", status=410)

    def _form_page(
        self,
        request: Request[Any, Any, Any],
        template: str,
        form: Form,
        *,
        new: bool = False,
        candidate: CandidateView | None = None,
        status: int = 200,
    ) -> Response[Any]:
        if new:
            action, cancel, submit = f"{BASE}/nouveau", BASE, "Inscrire"
        else:
            assert candidate is not None
            action, cancel, submit = f"{BASE}/{candidate.id}/modifier", f"{BASE}/{candidate.id}", "Enregistrer"
        context = {
            "form": form,
            "action": action,
            "cancel_url": cancel,
            "reload_url": action,
            "submit_label": submit,
            "show_consent": new,
            "stale": status == 409 and "form" in form.errors,
            "contract_types": CONTRACT_TYPES,
            "c": candidate,
        }
        return render(request, template, context, partial="candidates/_form.html", status=status)
