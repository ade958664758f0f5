"""The auditor's pages: history search, an aggregate's timeline with time travel, an offer's decisions,
an outreach's replies beside the AI's readings.

Read-only (GET only); every page opened here is recorded by web/audit_trail.py.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from application.audit.timeline import BadPageError
from application.queries.history import AGGREGATE_TYPES
from application.values import ERASED_PLACEHOLDER
from web.audit_labels import HELPERS, aggregate_type_label, event_label
from web.commune_labels import communes_today, is_commune_code
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import page_number, parse_id
from web.errors import BadRequestError
from web.forms.history import HistorySearchForm
from web.rendering import is_htmx, render, services_of
from web.time_travel import RECORD_PAGE, time_travel

BASE = "/audit"
NO_STORE = {"Cache-Control": "no-store"}  # names and free text about people


def actor_names(request: Request[Any, Any, Any], actor_ids: set[str]) -> dict[str, str]:
    """Account id -> user name; jobs, the command line and unknown ids are shown as they are."""
    accounts = services_of(request).accounts
    names = {}
    for actor_id in actor_ids:
        account = accounts.by_id(actor_id) if actor_id else None
        names[actor_id] = account.username if account else actor_id
    return names


class AuditController(Controller):
    path = BASE
    guards = [require_role("auditor")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/historique", sync_to_thread=True)
    def history(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The search page; htmx asks for the form and results alone (filters and pages)."""
        services = services_of(request)
        caller = caller_of(request)
        assert services.history is not None
        event_types = services.history.event_types(caller)
        form = HistorySearchForm.parse(request.query_params, event_types)
        context: dict[str, Any] = {
            **HELPERS,
            "form": form,
            "type_options": [("", "Tous"), *((code, aggregate_type_label(code)) for code in AGGREGATE_TYPES)],
            "event_options": [("", "Tous"), *((code, f"{event_label(code)} ({code})") for code in event_types)],
        }
        if form.filters is None:
            return render(request, "audit/history.html", context, partial="audit/_history.html", status=400,
                          headers=NO_STORE)
        page = page_number(request)
        results = services.history.search(caller, form.filters, page)
        context.update({
            "results": results,
            "actors": actor_names(request, {r.actor_id for r in results.items}),
            "people": services.history.people_names(caller, {r.person_id for r in results.items}),
            "previous_url": f"{BASE}/historique?{form.page_query(page - 1)}",
            "next_url": f"{BASE}/historique?{form.page_query(page + 1)}",
        })
        return render(request, "audit/history.html", context, partial="audit/_history.html", headers=NO_STORE)

    @get("/historique/{aggregate_id:str}", sync_to_thread=True)
    def timeline(self, request: Request[Any, Any, Any], aggregate_id: FromPath[str]) -> Response[Any]:
        """The events in order, a page at a time (`?page=N`; htmx asks for the next page alone, to append it);
        `?version=N`, `?at=…` (Paris time) or `?from=N&to=M` travel in time, and open the page of that version.
        A moment that cannot be shown is named beside its field, above the latest state (status 400)."""
        services = services_of(request)
        caller = caller_of(request)
        page = page_number(request) if "page" in request.query_params else None
        assert services.timelines is not None
        try:
            timeline, form = time_travel(services.timelines, caller, parse_id(aggregate_id), request.query_params,
                                         page)
        except BadPageError as error:
            raise BadRequestError(str(error)) from None
        kept = {k: v for k, v in form.values.items() if v} if form.valid else {}  # the moment stays chosen
        people = {v for e in timeline.entries for k, v in e.fields.items() if k == "candidate_id"}
        if timeline.aggregate_type == "Candidate":
            people.add(timeline.aggregate_id)
        # htmx asks either for the record's page (a time-travel form: `#fiche`) or for more events, to append.
        appended = is_htmx(request) and request.headers.get("hx-target") != RECORD_PAGE and form.valid
        context = {
            **HELPERS,
            "t": timeline,
            "form": form,
            "actors": actor_names(request, {e.actor_id for e in timeline.entries}),
            "people": services.history.people_names(caller, people) if services.history else {},
            "page_url": lambda number: f"{BASE}/historique/{timeline.aggregate_id}?{urlencode({**kept, 'page': number})}",
            "appended": appended,  # the next page, added below the ones shown
            # A commune code recorded before a merger: today's commune beside it (docs/adr/0005, session 5).
            "communes_today": communes_today(services.gazetteer, [*(e.fields for e in timeline.entries),
                                                                  timeline.state or {}]),
            "is_commune_code": is_commune_code,
        }
        headers = {**NO_STORE, "Vary": "HX-Request, HX-Target"}
        if is_htmx(request) and not appended:  # an error asked for with more events replaces the record's page
            headers.update({"HX-Retarget": f"#{RECORD_PAGE}", "HX-Reswap": "outerHTML"})
        return render(request, "audit/timeline.html", context,
                      partial="audit/_timeline_page.html" if appended else "audit/_timeline.html",
                      status=200 if form.valid else 400, headers=headers)

    @get("/offres/{offer_id:str}", sync_to_thread=True)
    def offer(self, request: Request[Any, Any, Any], offer_id: FromPath[str]) -> Response[Any]:
        """Each AI suggestion beside the advisor's decision, reason and time taken; manual additions."""
        services = services_of(request)
        caller = caller_of(request)
        assert services.decisions is not None and services.history is not None
        view = services.decisions.offer(caller, parse_id(offer_id))
        actors = {r.requested.actor_id for r in view.rounds}
        actors |= {s.decision.entry.actor_id for r in view.rounds for s in r.suggestions if s.decision}
        actors |= {m.actor_id for r in view.rounds for m in r.manual_additions}
        context = {
            **HELPERS,
            "v": view,
            "actors": actor_names(request, actors),
            "people": services.history.people_names(caller, view.candidate_ids),
        }
        return render(request, "audit/offer.html", context, headers=NO_STORE)

    @get("/relances/{outreach_id:str}", sync_to_thread=True)
    def outreach(self, request: Request[Any, Any, Any], outreach_id: FromPath[str]) -> Response[Any]:
        """The approval, then per person each SMS reply beside the AI's reading and any correction."""
        services = services_of(request)
        caller = caller_of(request)
        assert services.decisions is not None and services.history is not None
        view = services.decisions.outreach(caller, parse_id(outreach_id))
        context = {
            **HELPERS,
            "v": view,
            "actors": actor_names(request, view.actor_ids),
            "people": erased_as_one(services.history.people_names(caller, view.candidate_ids)),
        }
        return render(request, "audit/outreach.html", context, headers=NO_STORE)


def erased_as_one(names: dict[str, str]) -> dict[str, str]:
    """An erased person's name reads "[effacé]", not "[effacé] [effacé]" (last and first name)."""
    return {k: ERASED_PLACEHOLDER if set(v.split()) == {ERASED_PLACEHOLDER} else v for k, v in names.items()}
