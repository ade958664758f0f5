"""The auditor's pages: history search, an aggregate's timeline with time travel, an offer's decisions,
an outreach's replies beside the AI's readings.

Read-only (GET only); every page opened here is recorded by web/audit_trail.py.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from application.audit.moments import BadMomentError, parse_moment
from application.audit.timeline import BadPageError
from application.queries.history import AGGREGATE_TYPES
from application.values import ERASED_PLACEHOLDER
from web.audit_labels import HELPERS
from web.commune_labels import communes_today, is_commune_code
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import page_number, parse_id
from web.errors import BadRequestError
from web.forms.history import read_filters, query_string
from web.rendering import is_htmx, render, services_of

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
        """The search page; htmx asks for the results alone (filters and pages)."""
        services = services_of(request)
        caller = caller_of(request)
        filters, values = read_filters(request.query_params)
        page = page_number(request)
        assert services.history is not None
        results = services.history.search(caller, filters, page)
        context = {
            **HELPERS,
            "results": results,
            "values": values,
            "aggregate_types": AGGREGATE_TYPES,
            "event_types": services.history.event_types(caller),
            "actors": actor_names(request, {r.actor_id for r in results.items}),
            "people": services.history.people_names(caller, {r.person_id for r in results.items}),
            "previous_url": f"{BASE}/historique?{query_string(values, page - 1)}",
            "next_url": f"{BASE}/historique?{query_string(values, page + 1)}",
        }
        return render(request, "audit/history.html", context, partial="audit/_history_results.html",
                      headers=NO_STORE)

    @get("/historique/{aggregate_id:str}", sync_to_thread=True)
    def timeline(self, request: Request[Any, Any, Any], aggregate_id: FromPath[str]) -> Response[Any]:
        """The events in order, a page at a time (`?page=N`; htmx asks for the next page alone, to append it);
        `?version=N`, `?at=…` (Paris time) or `?from=N&to=M` travel in time, and open the page of that version."""
        services = services_of(request)
        caller = caller_of(request)
        chosen = {k: request.query_params.get(k, "") for k in ("version", "at", "from", "to")}
        page = page_number(request) if "page" in request.query_params else None
        try:
            moment = parse_moment(chosen)
            assert services.timelines is not None
            timeline = services.timelines.timeline(caller, parse_id(aggregate_id), moment, page)
        except (BadMomentError, BadPageError) as error:
            raise BadRequestError(str(error)) from None
        kept = {k: v for k, v in chosen.items() if v}  # the moment stays chosen from page to page
        people = {v for e in timeline.entries for k, v in e.fields.items() if k == "candidate_id"}
        if timeline.aggregate_type == "Candidate":
            people.add(timeline.aggregate_id)
        context = {
            **HELPERS,
            "t": timeline,
            "actors": actor_names(request, {e.actor_id for e in timeline.entries}),
            "people": services.history.people_names(caller, people) if services.history else {},
            "values": {k: v[:40] for k, v in chosen.items()},
            "page_url": lambda number: f"{BASE}/historique/{timeline.aggregate_id}?{urlencode({**kept, 'page': number})}",
            "appended": is_htmx(request),  # the next page, added below the ones shown
            # A commune code recorded before a merger: today's commune beside it (docs/adr/0005, session 5).
            "communes_today": communes_today(services.gazetteer, [*(e.fields for e in timeline.entries),
                                                                  timeline.state or {}]),
            "is_commune_code": is_commune_code,
        }
        return render(request, "audit/timeline.html", context, partial="audit/_timeline_page.html", headers=NO_STORE)

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
