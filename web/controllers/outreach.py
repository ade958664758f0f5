"""SMS outreach pages: start one from an offer's shortlist, follow its conversations live, decide.

Every form works without JavaScript (303 after a POST, errors in place with 4xx). The outreach
page polls its live section with htmx; replies are escaped and inside hx-disable.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from application.errors import NotFoundError
from application.outreach import DISCARD_REASONS, OutreachDraft
from application.outreach_texts import first_message
from application.queries.offers import OfferView
from application.reply_reading import INTENTS, NEEDS
from application.values import Reason
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import FORM_ERROR, attempt, parse_id
from web.forms.fields import Form
from web.labels import CONTRACT_LABELS, REASON_PLACEHOLDER, label, options
from web.outreach_labels import DISCARD_REASON_LABELS
from web.rendering import is_htmx, render, see_other, services_of

OUTREACHES = "/conseiller/sms"
MAX_RECIPIENTS = 500


def values(data: dict[str, Any], name: str) -> list[str]:
    raw = data.get(name, [])
    return [str(v) for v in (raw if isinstance(raw, list) else [raw]) if str(v).strip()]


def _people(request: Request[Any, Any, Any], offer: OfferView) -> list[Any]:
    services = services_of(request)
    caller = caller_of(request)
    view = services.shortlists.current(caller, UUID(offer.id))
    names = {s.candidate_id: f"{s.first_name} {s.last_name}" for s in view.suggestions}
    names.update({m.candidate_id: f"{m.first_name} {m.last_name}" for m in view.added_manually})
    return services.outreach.recipients(caller, [(c, names.get(c, c)) for c in view.shortlisted])


class OutreachStartController(Controller):
    """From the offer's shortlist: choose the people, review and edit the first message, approve."""

    path = "/conseiller/offres/{offer_id:str}/sms"
    guards = [require_role("advisor")]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], offer_id: FromPath[str]) -> Response[Any]:
        caller = caller_of(request)
        offer = services_of(request).offers.get(caller, parse_id(offer_id))
        people = _people(request, offer)
        agency = f"l'agence {caller.agency_id}"
        form = Form(values={"text": first_message(offer.title, offer.commune,
                                                  label(CONTRACT_LABELS, offer.contract_type), agency),
                            "requirement": ""})
        chosen = {p.candidate_id for p in people if p.contactable}
        return self._page(request, offer, form, people, chosen)

    @post("/", sync_to_thread=True)
    def approve(self, request: Request[Any, Any, Any], offer_id: FromPath[str],
                data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        offer = services.offers.get(caller, parse_id(offer_id))
        form = Form()
        text = form.text(data, "text")
        requirement = form.text(data, "requirement")
        chosen = values(data, "recipients")[:MAX_RECIPIENTS]
        people = _people(request, offer)
        allowed = {p.candidate_id for p in people if p.contactable}
        if not chosen:
            form.errors["recipients"] = "Choisissez au moins une personne."
        elif not set(chosen) <= allowed:
            form.errors["recipients"] = "Seules les personnes retenues, d'accord pour être contactées, peuvent l'être."
        status = 422
        if form.valid:
            draft = OutreachDraft(UUID(offer.id), tuple(UUID(c) for c in chosen), text, requirement)
            outreach_id, status = attempt(form, lambda: services.app.approve_outreach(draft, caller))
            if outreach_id is not None:
                return see_other(request, f"{OUTREACHES}/{outreach_id}")
        return self._page(request, offer, form, people, set(chosen), status)

    def _page(self, request: Request[Any, Any, Any], offer: OfferView, form: Form, people: list[Any],
              chosen: set[str], status: int = 200) -> Response[Any]:
        return render(request, "outreach/new.html",
                      {"o": offer, "form": form, "people": people, "chosen": chosen}, status=status)


class OutreachController(Controller):
    path = OUTREACHES
    guards = [require_role("advisor")]  # noqa: RUF012

    @get("/{outreach_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], outreach_id: FromPath[str]) -> Response[Any]:
        """The whole page; its live section alone when htmx polls it."""
        return self._page(request, parse_id(outreach_id))

    @post("/{outreach_id:str}/{candidate_id:str}/lecture", sync_to_thread=True)
    def correct(self, request: Request[Any, Any, Any], outreach_id: FromPath[str], candidate_id: FromPath[str],
                data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        oid, cid = parse_id(outreach_id), parse_id(candidate_id)
        form = Form()
        suggestion = form.text(data, "suggestion_id")
        intent = form.text(data, "intent")
        note = form.text(data, "note")
        needs = tuple(values(data, "needs"))  # an unknown need is refused by the application, never dropped
        if intent not in INTENTS:
            form.errors["intent"] = "Choisissez une lecture."
        try:
            suggestion_id = UUID(suggestion)
        except ValueError:
            raise NotFoundError(suggestion) from None
        status = 422
        if form.valid:
            _, status = attempt(form, lambda: services.app.correct_reading(
                oid, cid, suggestion_id, intent, needs, note, caller_of(request)))
            if not status:
                return see_other(request, f"{OUTREACHES}/{oid}#c-{cid}")
        return self._page(request, oid, forms={str(cid): form}, status=status, full=True)

    @post("/{outreach_id:str}/{candidate_id:str}/issue", sync_to_thread=True)
    def conclude(self, request: Request[Any, Any, Any], outreach_id: FromPath[str], candidate_id: FromPath[str],
                 data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        oid, cid = parse_id(outreach_id), parse_id(candidate_id)
        form = Form()
        outcome = form.text(data, "outcome")
        code = form.text(data, "reason")
        text = form.text(data, "reason_text")
        reason = Reason(code, text) if code else None
        if outcome not in ("introduced", "discarded"):
            form.errors["outcome"] = "Choisissez « mis en relation » ou « écarté »."
        elif outcome == "discarded" and reason is None:
            form.errors["reason"] = "Indiquez le motif de l'écart."
        status = 422
        if form.valid:
            _, status = attempt(form, lambda: services.app.conclude_conversation(oid, cid, outcome, reason,
                                                                                 caller_of(request)))
            if not status:
                return see_other(request, f"{OUTREACHES}/{oid}#c-{cid}")
        return self._page(request, oid, forms={str(cid): form}, status=status, full=True)

    def _page(self, request: Request[Any, Any, Any], outreach_id: UUID, *, forms: dict[str, Form] | None = None,
              status: int = 200, full: bool = False) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        view = services.outreach.get(caller, outreach_id)
        offer = services.offers.get(caller, UUID(view.offer_id))
        context = {
            "outreach": view,
            "o": offer,
            "summary": services.outreach.offer_summary(caller, UUID(view.offer_id)),
            "forms": forms or {},
            "intents": INTENTS,
            "needs": NEEDS,
            "discard_reasons": options(DISCARD_REASONS, DISCARD_REASON_LABELS, REASON_PLACEHOLDER),
            "form_error": FORM_ERROR,
            "quiet_hours": services.app.quiet_hours is not None,
        }
        partial = None if full or not is_htmx(request) else "outreach/_live.html"
        headers = {"Cache-Control": "no-store"}
        return render(request, "outreach/detail.html", context, partial=partial, status=status, headers=headers)

