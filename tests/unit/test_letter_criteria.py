"""An explanation letter's criteria lines say whose each recorded value is, for a citizen to read."""
from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from application.letter_offers import SuggestionTrail, suggestion_blocks
from domain.matching import CriterionCheck, MatchCriteria

AI = SimpleNamespace(model="offline-bm25", prompt_id="ranking", prompt_version="1", fallback_reason="")


def criteria_lines(met: tuple[CriterionCheck, ...], criteria: MatchCriteria | None) -> str:
    event = SimpleNamespace(timestamp=datetime(2026, 12, 1, tzinfo=UTC), ai=AI, rationale_ai=None, rank=1,
                            score=0.5, criteria_met=met, criteria_missed=(), rationale="")
    blocks = suggestion_blocks([SuggestionTrail("Agent de tri", event, criteria)])
    (line,) = [b.text for b in blocks if b.text.startswith("critères remplis : ")]
    return line


def test_a_distance_within_the_advisors_maximum_says_so_rather_than_naming_the_mobility_radius() -> None:
    criteria = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), max_distance_km=30)
    assert criteria_lines((CriterionCheck("distance", "12.5", "30"),), criteria) == (
        "critères remplis : distance entre votre commune et Lyon : 12,5 km, dans les 30 km demandés par le "
        "conseiller et dans votre rayon de mobilité")


def test_without_the_request_recorded_the_distance_limit_is_told_as_the_shorter_of_the_two() -> None:
    assert criteria_lines((CriterionCheck("distance", "0.0", "10"),), None) == (
        "critères remplis : distance entre votre commune et la commune de la recherche : 0 km, dans la limite de "
        "10 km retenue (le plus court de votre rayon de mobilité et de la distance maximale demandée par le "
        "conseiller)")


def test_a_person_without_a_weekly_maximum_or_contract_preference_is_told_so() -> None:
    line = criteria_lines((CriterionCheck("contract_type", "CDD", ""), CriterionCheck("hours", "35", "")), None)
    assert line == ("critères remplis : type de contrat demandé par le conseiller : CDD (vous acceptez tous les "
                    "types de contrat) ; durée hebdomadaire demandée par le conseiller : 35 heures (vous n'avez pas "
                    "indiqué de maximum)")
