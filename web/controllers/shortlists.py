"""The offer's shortlist ("Présélection"): ask for suggestions, accept or reject each, add someone by hand.

Every form works without JavaScript (303 back to the offer page, or the whole page with its
errors); with htmx the section or the suggestion's row is swapped in place, errors included.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from application.errors import (
    DomainError,
    InvalidReasonError,
    InvalidValueError,
    StaleEditError,
    SuggestionAlreadyDecidedError,
    SuggestionSupersededError,
    UnknownSuggestionError,
)
from application.queries.offers import OfferView
from application.queries.shortlists import ShortlistView, SuggestionView
from application.values import CONTRACT_TYPES, MANUAL_ADDITION_REASONS, REJECTION_REASONS
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import attempt, parse_id
from web.errors import ALREADY_DECIDED, STALE_EDIT, sentence
from web.forms.fields import Form
from web.forms.shortlist import CriteriaForm, ManualAdditionForm, RejectForm
from web.labels import (
    CONTRACT_LABELS,
    MANUAL_ADDITION_REASON_LABELS,
    REASON_PLACEHOLDER,
    REJECTION_REASON_LABELS,
    options,
)
from web.rendering import is_htmx, render, services_of

OFFERS = "/conseiller/offres"
#: At most this many job seekers in the "add by hand" list (narrowed by a name search beyond).
ADDABLE_PEOPLE = 200


def offer_url(offer_id: str) -> str:
    return f"{OFFERS}/{offer_id}"


def rejection_options() -> list[tuple[str, str]]:
    return options(REJECTION_REASONS, REJECTION_REASON_LABELS, REASON_PLACEHOLDER)


def addition_options() -> list[tuple[str, str]]:
    return options(MANUAL_ADDITION_REASONS, MANUAL_ADDITION_REASON_LABELS, REASON_PLACEHOLDER)


def criteria_contract_options() -> list[tuple[str, str]]:
    return options(CONTRACT_TYPES, CONTRACT_LABELS, "Tous contrats")


def _actors(request: Request[Any, Any, Any], view: ShortlistView) -> dict[str, str]:
    """Who decided or added, by account id -> username (the id itself if the account is unknown)."""
    accounts = services_of(request).accounts
    ids = {s.decided_by for s in view.suggestions if s.decided_by} | {m.added_by for m in view.added_manually}
    ids |= {view.requested_by} if view.requested_by else set()
    names = {}
    for account_id in ids:
        account = accounts.by_id(account_id)
        names[account_id] = account.username if account else account_id
    return names


def shortlist_context(
    request: Request[Any, Any, Any],
    offer: OfferView,
    *,
    criteria_form: Form | None = None,
    reject_forms: dict[str, Form] | None = None,
    add_form: Form | None = None,
    notices: dict[str, str] | None = None,
    person_query: str = "",
) -> dict[str, Any]:
    """What the "Présélection" section of the offer page shows."""
    services = services_of(request)
    caller = caller_of(request)
    view = services.shortlists.current(caller, UUID(offer.id))
    if criteria_form is None:
        today = services.clock.now().date()
        criteria_form = CriteriaForm.from_criteria(services.shortlists.criteria(caller, offer, today))
    people = services.candidates.search(caller, person_query, 1, ADDABLE_PEOPLE).items
    shortlisted = set(view.shortlisted)
    return {
        "o": offer,
        "shortlist": view,
        "criteria_form": criteria_form,
        "reject_forms": reject_forms or {},
        "add_form": add_form or Form(),
        "notices": notices or {},
        "person_query": person_query,
        "people": [(p.id, f"{p.last_name} {p.first_name} · {p.commune}") for p in people
                   if not p.erased and p.id not in shortlisted],
        "actors": _actors(request, view),
        "can_decide": offer.status == "ouverte",
        "rejection_reasons": rejection_options(),
        "addition_reasons": addition_options(),
        "criteria_contracts": criteria_contract_options(),
        "outreaches": services.outreach.for_offer(caller, UUID(offer.id)) if services.outreach else [],
    }


def _suggestion(view: ShortlistView, suggestion_id: str) -> SuggestionView | None:
    return next((s for s in view.suggestions if s.suggestion_id == suggestion_id), None)


class ShortlistController(Controller):
    path = OFFERS + "/{offer_id:str}/preselection"
    guards = [require_role("advisor")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], offer_id: FromPath[str]) -> Response[Any]:
        """The section alone for htmx (e.g. the name search of "add by hand"); the offer page otherwise."""
        offer = services_of(request).offers.get(caller_of(request), parse_id(offer_id))
        person_query = request.query_params.get("personne", "").strip()[:100]
        return self._section(request, offer, person_query=person_query)

    @post("/", sync_to_thread=True)
    def request_shortlist(
        self, request: Request[Any, Any, Any], offer_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        offer = services.offers.get(caller, parse_id(offer_id))
        form = CriteriaForm.parse(data)
        status = 422
        if form.criteria is not None:
            criteria = form.criteria
            _, status = attempt(form, lambda: services.app.request_shortlist(UUID(offer.id), criteria, caller))
            if not status:
                if not is_htmx(request):
                    return self._back(offer.id)
                return self._section(request, offer)  # the new shortlist, its criteria prefilled
        return self._section(request, offer, criteria_form=form, status=status)

    @post("/{suggestion_id:str}/accepter", sync_to_thread=True)
    def accept(
        self, request: Request[Any, Any, Any], offer_id: FromPath[str], suggestion_id: FromPath[str]
    ) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        offer = services.offers.get(caller, parse_id(offer_id))
        sid = parse_id(suggestion_id)
        return self._decided(request, offer, str(sid), lambda: services.app.accept_suggestion(
            UUID(offer.id), sid, None, caller))

    @post("/{suggestion_id:str}/rejeter", sync_to_thread=True)
    def reject(
        self,
        request: Request[Any, Any, Any],
        offer_id: FromPath[str],
        suggestion_id: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        offer = services.offers.get(caller, parse_id(offer_id))
        sid = parse_id(suggestion_id)
        form = RejectForm.parse(data)
        if form.reason is None:
            if _suggestion(services.shortlists.current(caller, UUID(offer.id)), str(sid)) is None:
                raise UnknownSuggestionError("Suggestion inconnue pour cette offre.")
            return self._row(request, offer, str(sid), reject_form=form, status=422)
        reason = form.reason
        return self._decided(request, offer, str(sid), lambda: services.app.reject_suggestion(
            UUID(offer.id), sid, reason, caller), form)

    @post("/ajout", sync_to_thread=True)
    def add(
        self, request: Request[Any, Any, Any], offer_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]
    ) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        offer = services.offers.get(caller, parse_id(offer_id))
        form = ManualAdditionForm.parse(data)
        status = 422
        if form.candidate_id is not None and form.reason is not None:
            candidate_id, reason = form.candidate_id, form.reason
            _, status = attempt(
                form, lambda: services.app.add_candidate_manually(UUID(offer.id), candidate_id, reason, caller)
            )
            if not status:
                if not is_htmx(request):
                    return self._back(offer.id)
                return self._section(request, offer)
        return self._section(request, offer, add_form=form, status=status)

    # Helpers ----------------------------------------------------------------------------

    def _decided(
        self,
        request: Request[Any, Any, Any],
        offer: OfferView,
        suggestion_id: str,
        command: Any,
        form: Form | None = None,
    ) -> Response[Any]:
        """Run a decision; the row as it now is (htmx) or 303; a refusal in place, with its status."""
        form = form or Form()
        try:
            command()
        except SuggestionAlreadyDecidedError:
            if not is_htmx(request):
                raise  # the error page: 409, "Cette suggestion a déjà été traitée."
            return self._row(request, offer, suggestion_id, notice=ALREADY_DECIDED, status=409)
        except (UnknownSuggestionError, SuggestionSupersededError):
            raise  # 404 / 409 pages (web/errors.py)
        except InvalidReasonError as error:
            form.errors.setdefault("reason", sentence(str(error)))
            return self._row(request, offer, suggestion_id, reject_form=form, status=422)
        except InvalidValueError as error:
            form.add_errors(error.errors)
            return self._row(request, offer, suggestion_id, reject_form=form, status=422)
        except StaleEditError:
            return self._row(request, offer, suggestion_id, notice=STALE_EDIT, status=409)
        except DomainError as error:  # a closed offer, an erased person...
            if not is_htmx(request):
                raise
            return self._row(request, offer, suggestion_id, notice=sentence(str(error)), status=409)
        if not is_htmx(request):
            return self._back(offer.id)
        return self._row(request, offer, suggestion_id)

    def _row(
        self,
        request: Request[Any, Any, Any],
        offer: OfferView,
        suggestion_id: str,
        *,
        reject_form: Form | None = None,
        notice: str = "",
        status: int = 200,
    ) -> Response[Any]:
        """htmx: the suggestion's row (and, out of band, the list of people kept); else the offer page."""
        context = shortlist_context(
            request,
            offer,
            reject_forms={suggestion_id: reject_form} if reject_form is not None else None,
            notices={suggestion_id: notice} if notice else None,
        )
        suggestion = _suggestion(context["shortlist"], suggestion_id)
        if suggestion is None:
            raise UnknownSuggestionError("Suggestion inconnue pour cette offre.")
        context["s"] = suggestion
        context["oob"] = True
        return self._page(request, context, "offers/_decision_response.html", status)

    def _section(
        self,
        request: Request[Any, Any, Any],
        offer: OfferView,
        *,
        criteria_form: Form | None = None,
        add_form: Form | None = None,
        person_query: str = "",
        status: int = 200,
    ) -> Response[Any]:
        context = shortlist_context(
            request, offer, criteria_form=criteria_form, add_form=add_form, person_query=person_query
        )
        return self._page(request, context, "offers/_shortlist.html", status)

    def _page(self, request: Request[Any, Any, Any], context: dict[str, Any], partial: str, status: int) -> Response[Any]:
        from web.controllers.offers import closing_options  # the offer page's own parts
        from web.forms.offer import CloseOfferForm

        context.setdefault("close_form", CloseOfferForm())
        context.setdefault("closing_reasons", closing_options())
        return render(request, "offers/detail.html", context, partial=partial, status=status)

    def _back(self, offer_id: str) -> Response[Any]:
        return Redirect(path=offer_url(offer_id) + "#preselection", status_code=303)
