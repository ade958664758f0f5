"""The auditor's history on SQLite and PostgreSQL: time travel equals replay, the index rebuilds the same."""
from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from application.audit.moments import parse_moment
from application.audit.state import aggregate_state, flatten
from application.audit.timeline import BadPageError
from application.caller import Caller
from application.queries.history import HistoryFilters
from application.values import MatchCriteria, Reason
from tests.integration.helpers import admin, advisor, details, mobile, notifications, terms
from tests.integration.long_offer import long_offer

AUDITOR = Caller("auditor-1", "auditor", "", "req-audit")
CRITERIA = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), ("nettoyage de locaux",), max_distance_km=50)


def index_rows(services) -> list[dict]:
    with services.database.read() as tx:
        rows = tx.fetchall("SELECT * FROM rm_event_index ORDER BY notification_id")
        aggregates = tx.fetchall("SELECT * FROM rm_history_aggregates ORDER BY aggregate_id")
    return [{k: str(v) for k, v in r.items()} for r in rows + aggregates]


def scenario(services, clock) -> tuple[UUID, UUID]:
    people = [services.app.register_candidate(details(last_name=f"Canari{n}", phone=mobile(n)), True, advisor())
              for n in range(3)]
    offer_id = services.app.publish_offer(terms(), advisor())
    clock.advance(minutes=10)
    services.app.request_shortlist(offer_id, CRITERIA, advisor())
    suggestion = next(iter(services.app.repository.get(offer_id).shortlist.suggestions))
    clock.advance(seconds=30)
    services.app.reject_suggestion(offer_id, suggestion, Reason("mobilite", "Trop loin"), advisor())
    clock.advance(hours=1)
    services.app.close_offer(offer_id, Reason("pourvue"), advisor())
    return offer_id, people[0]


def test_state_at_every_version_and_at_a_time_equals_the_replayed_events(services, clock) -> None:
    offer_id, _ = scenario(services, clock)
    events = list(services.app.repository.event_store.get(offer_id))
    assert len(events) >= 5
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
        assert services.timelines.state_at(offer_id, event.originator_version) == flatten(aggregate)
    # 2026-11-30 09:00 UTC is 10:00 in Paris; the offer closed at 11:10:30 Paris time.
    before = services.timelines.timeline(AUDITOR, offer_id, parse_moment({"at": "2026-11-30T11:10"}))
    assert before.state_version == len(events) - 1 and before.state["closed"] == "non"
    after = services.timelines.timeline(AUDITOR, offer_id, parse_moment({"at": "2026-11-30T11:11"}))
    assert after.state_version == len(events) and after.state["closed"] == "oui"
    changed = services.timelines.timeline(AUDITOR, offer_id, parse_moment({"from": "1", "to": str(len(events))}))
    assert "closed" in {c.field for c in changed.changes}


def test_the_history_index_rebuilt_from_zero_equals_the_incremental_one(services, clock) -> None:
    scenario(services, clock)
    services.app.record_audit_access("GET", "/audit/historique", "", "personne=Canari", AUDITOR)
    incremental = index_rows(services)
    assert len([r for r in incremental if "notification_id" in r]) == len(notifications(services))
    assert set(services.history.event_types(AUDITOR)) == {r["event_type"] for r in incremental if "event_type" in r}
    services.projections.rebuild()
    assert index_rows(services) == incremental


def test_search_by_name_offer_actor_type_and_period(services, clock) -> None:
    offer_id, person = scenario(services, clock)
    by_name = services.history.search(AUDITOR, HistoryFilters(person="canari0"))
    assert {r.aggregate_id for r in by_name.items} >= {str(person)}
    assert all(r.person_id == str(person) for r in by_name.items)
    offer_rows = services.history.search(AUDITOR, HistoryFilters(offer_id=offer_id)).items
    assert offer_rows and all(r.agency_id == "lyon-est" for r in offer_rows)  # later events know the agency
    assert [r.aggregate_version for r in offer_rows] == sorted((r.aggregate_version for r in offer_rows), reverse=True)
    closed = services.history.search(AUDITOR, HistoryFilters(event_type="Offer.Closed", actor="advisor-lyon"))
    assert closed.total == 1
    assert services.history.search(AUDITOR, HistoryFilters(since=date(2026, 12, 1))).total == 0
    assert services.history.search(AUDITOR, HistoryFilters(since=date(2026, 11, 30), until=date(2026, 11, 30))).total \
        == len(notifications(services))


def test_an_access_record_is_stored_with_its_search_encrypted(services) -> None:
    services.app.record_audit_access("GET", "/audit/historique", "", "personne=Zébulon", AUDITOR)
    (stored,) = [n for n in notifications(services) if n.topic.endswith("AuditAccess.PageOpened")]
    assert "Zébulon".encode() not in stored.state
    event = services.app.mapper.to_domain_event(stored)
    assert (event.path, event.query.value, event.provenance.actor_id) == ("/audit/historique", "personne=Zébulon",
                                                                         "auditor-1")
    row = services.history.search(AUDITOR, HistoryFilters(aggregate_type="AuditAccess")).items[0]
    assert (row.actor_id, row.actor_role, row.event_type) == ("auditor-1", "auditor", "AuditAccess.PageOpened")


def test_outreaches_and_training_sessions_are_found_by_id_and_type_and_have_timelines(services, clock) -> None:
    offer_id = services.app.publish_offer(terms(), advisor())
    outreach_id = services.app.create_outreach(offer_id, advisor())
    session_id = services.app.schedule_training_session(
        "Décider avec une IA", datetime(2026, 12, 3, 14, 0, tzinfo=UTC), 30, admin())
    (outreach_row,) = services.history.search(AUDITOR, HistoryFilters(record_id=outreach_id)).items
    assert (outreach_row.aggregate_type, outreach_row.agency_id) == ("Outreach", "lyon-est")
    sessions = services.history.search(AUDITOR, HistoryFilters(aggregate_type="TrainingSession")).items
    assert [r.aggregate_id for r in sessions] == [str(session_id)]
    timeline = services.timelines.timeline(AUDITOR, session_id)
    assert timeline.state["title"] == "Décider avec une IA"
    assert timeline.entries[0].actor_role == "admin"


def test_a_long_timeline_is_read_a_page_at_a_time_with_the_state_replayed_from_every_event(services) -> None:
    offer_id = long_offer(services, advisor(), rounds=2, suggestions=80, decisions=10)  # 183 events
    first = services.timelines.timeline(AUDITOR, offer_id)
    assert [e.version for e in first.entries] == list(range(1, 101))
    assert (first.events.number, first.events.pages, first.last_version, first.state_version) == (1, 2, 183, 183)
    assert first.first_at == services.app.repository.get(offer_id, version=1).created_on
    second = services.timelines.timeline(AUDITOR, offer_id, page=2)
    assert [e.version for e in second.entries] == list(range(101, 184)) and not second.events.has_next
    assert second.state == first.state == aggregate_state(services.app.repository.get(offer_id))
    chosen = services.timelines.timeline(AUDITOR, offer_id, parse_moment({"version": "140"}))
    assert chosen.events.number == 2 and chosen.state == aggregate_state(services.app.repository.get(offer_id, version=140))
    with pytest.raises(BadPageError):
        services.timelines.timeline(AUDITOR, offer_id, page=3)
