"""Hard filters of matching, and the criteria met and missed by those who pass them."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from application.geo import distance_km
from application.screening import PoolCandidate, screen
from domain.matching import CriterionCheck, MatchCriteria
from tests.unit.fakes import FakeGazetteer

CRITERIA = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), ("nettoyage de locaux", "tri des déchets"),
                         ("permis b",), max_distance_km=30)
BASE = PoolCandidate("id-0", "lyon-est", 1, "Lyon", ("K2204",), ("nettoyage de locaux",), date(2026, 12, 1), 20, (),
                     0, 0, True, False)


def person(n: int, **changes: object) -> PoolCandidate:
    return replace(BASE, candidate_id=f"id-{n:02d}", **changes)


def screened(*people: PoolCandidate, criteria: MatchCriteria = CRITERIA):
    return screen(criteria, "lyon-est", people, FakeGazetteer().coordinates)


def test_haversine_distances_between_communes_are_right() -> None:
    where = FakeGazetteer().coordinates
    assert distance_km(where("Lyon"), where("Villeurbanne")) == pytest.approx(3.1, abs=0.2)
    assert distance_km(where("Lyon"), where("Vienne")) == pytest.approx(25.0, abs=0.5)
    assert distance_km(where("Paris"), where("Lille")) == pytest.approx(204, abs=2)


@pytest.mark.parametrize(
    ("changes", "excluded_by"),
    [
        ({"agency_id": "paris-nord"}, "agency"),
        ({"erased": True}, "erased"),
        ({"sms_consent": False}, "consent"),
        ({"available_from": date(2026, 12, 16)}, "availability"),
        ({"commune": "Vienne"}, "distance"),  # 25 km, beyond the person's own 20 km radius
        ({"commune": "Atlantide"}, "location_unknown"),
        ({"contract_types": ("CDD", "interim")}, "contract_type"),
        ({"max_hours_per_week": 24}, "hours"),
    ],
)
def test_each_hard_filter_excludes_and_is_counted(changes: dict[str, object], excluded_by: str) -> None:
    criteria = replace(CRITERIA, contract_type="CDI", hours_per_week=35)
    result = screened(person(1), person(2, **changes), criteria=criteria)
    assert [a.candidate_id for a in result.pool.eligible] == ["id-01"]
    assert result.exclusions == {excluded_by: 1}
    assert result.pool_size == 2


def test_the_reach_is_the_smaller_of_the_persons_radius_and_the_criteria_distance() -> None:
    far_but_willing = person(1, commune="Vienne", mobility_km=50)
    assert [a.candidate_id for a in screened(far_but_willing).pool.eligible] == ["id-01"]
    assert screened(far_but_willing, criteria=replace(CRITERIA, max_distance_km=20)).exclusions == {"distance": 1}


def test_available_on_the_day_asked_passes_and_no_preference_means_any_contract_or_hours() -> None:
    criteria = replace(CRITERIA, contract_type="saisonnier", hours_per_week=48)
    result = screened(person(1, available_from=CRITERIA.available_by), person(2, contract_types=("saisonnier",),
                                                                              max_hours_per_week=48), criteria=criteria)
    assert [a.candidate_id for a in result.pool.eligible] == ["id-01", "id-02"]


def test_people_who_cannot_be_contacted_never_reach_the_ranker_pool() -> None:
    result = screened(person(1), person(2, sms_consent=False), person(3, erased=True), person(4, commune="Vienne"))
    assert [p.candidate_id for p in result.pool.profiles] == ["id-01", "id-04"]  # contactable: the index basis
    assert [a.candidate_id for a in result.pool.eligible] == ["id-01"]


def test_criteria_met_and_missed_explain_the_fit() -> None:
    someone = person(1, commune="Villeurbanne", skills=("Nettoyage de locaux", "Permis B", "plonge"), salary_min_expected=26_000)
    (assessment,) = screened(someone, criteria=replace(CRITERIA, contract_type="CDI", hours_per_week=35,
                                                        salary_max=24_000)).pool.eligible
    assert assessment.distance_km == pytest.approx(3.1, abs=0.2)
    assert [(c.key, c.value) for c in assessment.met] == [
        ("rome_code", "K2204"), ("skill", "nettoyage de locaux"), ("optional_skill", "permis b"),
        ("distance", f"{assessment.distance_km:.1f}"), ("availability", "2026-12-01"), ("contract_type", "CDI"),
        ("hours", "35"),
    ]
    assert assessment.missed == (CriterionCheck("skill", "tri des déchets"), CriterionCheck("salary", "24000", "26000"))
    assert next(c for c in assessment.met if c.key == "distance").limit == "20"


def test_the_pool_version_changes_with_any_profile_version_and_not_otherwise() -> None:
    one = screened(person(1), person(2)).pool.version
    assert screened(person(2), person(1)).pool.version == one  # order of reading does not matter
    assert screened(person(1), person(2, version=2)).pool.version != one
    assert screened(person(1), person(2), person(3, sms_consent=False)).pool.version == one
    assert screened(person(1), person(2), criteria=replace(CRITERIA, max_distance_km=1)).pool.version == one


def test_a_person_is_placed_by_the_code_of_their_commune_when_it_is_known() -> None:
    # A label a later COG renamed is no longer known by name; its code still is (Vienne, 25 km).
    renamed = person(1, commune="Vienne-sur-le-Rhône", commune_code="38544", mobility_km=30)
    unknown = person(2, commune="Vienne-sur-le-Rhône", mobility_km=30)
    result = screened(renamed, unknown)
    assert [(a.candidate_id, round(a.distance_km)) for a in result.pool.eligible] == [("id-01", 25)]
    assert result.exclusions == {"location_unknown": 1}
