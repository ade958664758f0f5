"""The advisor's job offers: list and search, publish, open, change, close."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from application.queries.offers import OfferView
from application.values import CLOSING_REASONS, CONTRACT_TYPES
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.shortlists import shortlist_context
from web.controllers.support import attempt, page_number, parse_id, query_text
from web.forms.fields import Form
from web.forms.offer import CloseOfferForm, OfferForm
from web.labels import CLOSING_REASON_LABELS, CONTRACT_LABELS, REASON_PLACEHOLDER, options
from web.rendering import is_htmx, render, see_other, services_of

BASE = "/conseiller/offres"


def contract_options() -> list[tuple[str, str]]:
    return options(CONTRACT_TYPES, CONTRACT_LABELS)


def closing_options() -> list[tuple[str, str]]:
    return options(CLOSING_REASONS, CLOSING_REASON_LABELS, REASON_PLACEHOLDER)


class OfferController(Controller):
    path = BASE
    guards = [require_role("advisor")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        q = query_text(request)
        results = services_of(request).offers.search(caller_of(request), q, page_number(request))
        return render(request, "offers/list.html", {"q": q, "results": results}, partial="offers/_results.html")

    @get("/nouvelle", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._form_page(request, "offers/new.html", OfferForm.empty())

    @post("/nouvelle", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        form = OfferForm.parse(data)
        status = 422
        if form.terms is not None:
            terms = form.terms
            offer_id, status = attempt(form, lambda: services.app.publish_offer(terms, caller_of(request)))
            if offer_id is not None:
                return see_other(request, f"{BASE}/{offer_id}")
        return self._form_page(request, "offers/new.html", form, status=status)

    @get("/{offer_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], offer_id: FromPath[str]) -> Response[Any]:
        offer = services_of(request).offers.get(caller_of(request), parse_id(offer_id))
        return self._detail(request, offer, CloseOfferForm())

    @get("/{offer_id:str}/modifier", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], offer_id: FromPath[str]) -> Response[Any]:
        offer = services_of(request).offers.get(caller_of(request), parse_id(offer_id))
        return self._form_page(request, "offers/edit.html", OfferForm.from_view(offer), offer=offer)

    @post("/{offer_id:str}/modifier", sync_to_thread=True)
    def update(self, request: Request[Any, Any, Any], offer_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        identifier = parse_id(offer_id)
        offer = services.offers.get(caller, identifier)
        form = OfferForm.parse(data)
        version = form.version()
        status = 422
        if version is None:
            form.errors["form"] = "Le formulaire est incomplet : rechargez la page."
            status = 400
        elif form.terms is not None:
            terms = form.terms
            new_version, status = attempt(form, lambda: services.app.change_offer(identifier, version, terms, caller))
            if new_version is not None:
                return see_other(request, f"{BASE}/{offer.id}")
        return self._form_page(request, "offers/edit.html", form, offer=offer, status=status)

    @post("/{offer_id:str}/cloturer", sync_to_thread=True)
    def close(self, request: Request[Any, Any, Any], offer_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        identifier = parse_id(offer_id)
        offer = services.offers.get(caller, identifier)
        form = CloseOfferForm.parse(data)
        status = 422
        if form.reason is not None:
            reason = form.reason
            _, status = attempt(form, lambda: services.app.close_offer(identifier, reason, caller))
            if not status:
                return see_other(request, f"{BASE}/{offer.id}")
        context = {"close_form": form, "closing_reasons": closing_options()}
        if not is_htmx(request):  # the whole page again, its shortlist included
            context.update(shortlist_context(request, offer))
        else:
            context["o"] = offer
        return render(request, "offers/detail.html", context, partial="offers/_close_form.html", status=status)

    def _detail(self, request: Request[Any, Any, Any], offer: OfferView, close_form: Form) -> Response[Any]:
        context = shortlist_context(request, offer)
        context.update(close_form=close_form, closing_reasons=closing_options())
        return render(request, "offers/detail.html", context)

    def _form_page(
        self,
        request: Request[Any, Any, Any],
        template: str,
        form: Form,
        *,
        offer: OfferView | None = None,
        status: int = 200,
    ) -> Response[Any]:
        if offer is None:
            action, cancel, submit = f"{BASE}/nouvelle", BASE, "Publier"
        else:
            action, cancel, submit = f"{BASE}/{offer.id}/modifier", f"{BASE}/{offer.id}", "Enregistrer"
        context = {
            "form": form,
            "action": action,
            "cancel_url": cancel,
            "reload_url": action,
            "submit_label": submit,
            "stale": status == 409 and "form" in form.errors,
            "contract_options": contract_options(),
            "o": offer,
        }
        return render(request, template, context, partial="offers/_form.html", status=status)
