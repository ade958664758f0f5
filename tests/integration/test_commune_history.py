"""Codes retired by mergers and match requests' communes on both stores (docs/adr/0005, session 5): an event
keeps the code it was recorded with, and matching, the read models and the figures place it as today's
commune; older match requests load with the code of their label; migration 0051 backfills the figures'
communes as a rebuild would write them."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from application.ports import CommuneMatch
from application.queries.oversight_figures import FigureFilter, OversightFigureQueries
from application.values import MatchCriteria
from domain.candidate import Candidate
from domain.offer import Offer
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, details, domain_events, mobile, terms
from tests.integration.test_commune_codes import AUDITOR, stored_before
from tests.integration.test_oversight_figures import SETTINGS, a_month_of_decisions, fig_rows

AGENCY = "paris-nord"


class CogOf2015:
    """The gazetteer of a COG before Tourlaville (50602) merged into Cherbourg-en-Cotentin (50129) in 2016."""

    def find_commune(self, typed: str) -> CommuneMatch:
        return CommuneMatch(label="Tourlaville", code="50602")


def store(services: Services, aggregate: Aggregate, first_version: bool = False) -> None:
    """Writes the aggregate's pending events as they were recorded: with a code of the time, or (first_version)
    as Offer.MatchRequested version 1 wrote them, the criteria without a code."""
    records = []
    for event in aggregate.collect_events():
        record = services.app.mapper.to_stored_event(event)
        if first_version and isinstance(event, Offer.MatchRequested):
            state = json.loads(record.state)
            state.pop("class_version", None)
            del state["criteria"]["_data_"]["commune_code"]
            record = StoredEvent(record.originator_id, record.originator_version, record.topic,
                                 json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())
        records.append(record)
    services.app.recorder.insert_events(records)


def registered_in_2015(services: Services, n: int, agency: str = AGENCY) -> UUID:
    candidate_id = uuid4()
    profile = details(phone=mobile(n)).to_profile(candidate_id, CogOf2015())  # type: ignore[arg-type]
    store(services, Candidate.register(agency, profile, True, advisor(agency).provenance, services.clock.now(),
                                       id=candidate_id))
    return candidate_id


def test_a_code_retired_by_a_merger_is_kept_and_placed_as_todays_commune(make_services: Callable[..., Services]) -> None:
    services = make_services()
    person = registered_in_2015(services, 1)
    reloaded = make_services()  # another process
    assert reloaded.app.repository.get(person).profile.commune_code == "50602"  # as recorded, never rewritten
    reloaded.projections.catch_up()
    with reloaded.database.read() as tx:
        row = tx.fetchone("SELECT commune, commune_code FROM rm_candidates WHERE id = ?", (str(person),))
        assert (row["commune"], row["commune_code"]) == ("Tourlaville", "50602")
        assert tx.fetchone("SELECT commune FROM rm_fig_people WHERE candidate_id = ?", (str(person),))["commune"] == "50602"

    # Matching places the person in Cherbourg-en-Cotentin: at 0 km from an offer there, within a 1 km radius.
    offer_id = reloaded.app.publish_offer(terms(commune="Cherbourg-en-Cotentin"), advisor(AGENCY))
    reloaded.app.request_shortlist(offer_id, MatchCriteria("K2204", "Cherbourg-en-Cotentin", date(2026, 12, 15),
                                                           max_distance_km=1), advisor(AGENCY))
    view = reloaded.shortlists.current(advisor(AGENCY), offer_id)
    assert [UUID(s.candidate_id) for s in view.suggestions] == [person] and not view.exclusions
    criteria = view.criteria
    assert criteria is not None and (criteria.commune, criteria.commune_code) == ("Cherbourg-en-Cotentin", "50129")

    # The figures count the person under today's commune, shown by its label.
    reloaded.app.accept_suggestion(offer_id, UUID(view.suggestions[0].suggestion_id), None, advisor(AGENCY))
    figures = OversightFigureQueries(reloaded.database).figures(AUDITOR, FigureFilter(), SETTINGS)
    communes = [c for c in figures.comparisons if c.dimension == "commune" and c.selection == "shortlisted"][0]
    assert [(r.category, r.pool, r.selected) for r in communes.rows] == [("50129", 1, 1)]


def test_a_match_request_recorded_with_a_label_loads_with_its_code(make_services: Callable[..., Services]) -> None:
    services = make_services()
    offer = Offer.publish(AGENCY, terms(commune="Lyon"), advisor(AGENCY).provenance, services.clock.now())
    criteria = MatchCriteria("K2204", "Lyon 03", date(2026, 12, 15))  # a name the old gazetteer stored
    offer.request_match(uuid4(), criteria, 4, {}, [], advisor(AGENCY).provenance, services.clock.now(),
                        eligible_composition={"commune": {"Lyon": 2, "Villeurbanne": 1, "Sainte-Colombe": 1}})
    store(services, offer, first_version=True)

    reloaded = make_services()
    requested = [e for e in domain_events(reloaded) if isinstance(e, Offer.MatchRequested)][0]
    assert (requested.criteria.commune, requested.criteria.commune_code) == ("Lyon 03", "69123")
    reloaded.projections.catch_up()
    with reloaded.database.read() as tx:
        pool = {r["category"]: r["people"] for r in tx.fetchall(
            "SELECT category, people FROM rm_fig_pool WHERE dimension = 'commune'")}
    assert pool == {"69123": 2, "69266": 1, "": 1}  # a bare homonym is not recorded
    criteria = reloaded.shortlists.current(advisor(AGENCY), offer.id).criteria  # the shortlist page's copy
    assert criteria is not None and (criteria.commune, criteria.commune_code) == ("Lyon 03", "69123")


def label_columns(services: Services) -> None:
    """Puts the figures' communes back as they were before migration 0051: labels, in a NOT NULL column."""
    with services.database.transaction() as tx:
        labels = {r["id"]: r["commune"] for r in tx.fetchall("SELECT id, commune FROM rm_candidates")}
        by_code = {r["commune_code"]: r["commune"] for r in tx.fetchall("SELECT commune, commune_code FROM rm_candidates")}
        tx.execute("ALTER TABLE rm_fig_people DROP COLUMN commune")
        tx.execute("ALTER TABLE rm_fig_people ADD COLUMN commune TEXT NOT NULL DEFAULT ''")
        for candidate_id, label in labels.items():
            tx.execute("UPDATE rm_fig_people SET commune = ? WHERE candidate_id = ?", (label, candidate_id))
        for code, label in by_code.items():
            tx.execute("UPDATE rm_fig_selections SET commune = ? WHERE commune = ?", (label, code))
            tx.execute("UPDATE rm_fig_pool SET category = ? WHERE dimension = 'commune' AND category = ?", (label, code))
        tx.execute("DELETE FROM schema_migrations WHERE name IN ('0051_rm_fig_people_commune_code', "
                   "'0052_rm_fig_people_commune_is_code')")


def test_migration_0051_gives_the_rows_a_rebuild_gives(make_services: Callable[..., Services], clock: Any,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    services = make_services()
    a_month_of_decisions(services, clock)
    homonym = stored_before(services, 9, "Sainte-Colombe")  # twelve communes: no code
    services.projections.catch_up()
    rebuilt_before = fig_rows(services)
    services.projections.rebuild()
    assert fig_rows(services) == rebuilt_before  # incremental and rebuild agree
    people = {r["candidate_id"]: r["commune"] for r in rebuilt_before["rm_fig_people"]}
    assert people[str(homonym)] is None and set(people.values()) == {"69123", "69266", None}
    assert {r["commune"] for r in rebuilt_before["rm_fig_selections"]} <= {"69123", "69266", ""}

    label_columns(services)
    with caplog.at_level(logging.WARNING):
        migrated = make_services()
    assert fig_rows(migrated) == rebuilt_before
    assert "1 job seekers' commune labels designate no single commune" in caplog.text
