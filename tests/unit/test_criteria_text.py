"""The advisor's phrase for each recorded criterion says whose value and whose limit it is, in French formats."""
from __future__ import annotations

from datetime import date

from application.criteria_text import describe
from domain.matching import CriterionCheck, MatchCriteria

ASKED_30_KM = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), max_distance_km=30)


def test_a_distance_limit_shorter_than_the_advisors_maximum_is_the_persons_mobility_radius() -> None:
    assert describe(CriterionCheck("distance", "12.5", "20"), True, ASKED_30_KM) == (
        "À 12,5 km de Lyon, dans le rayon de mobilité de la personne (20 km, moins que les 30 km demandés)")


def test_a_distance_limit_equal_to_the_advisors_maximum_is_told_as_the_distance_asked() -> None:
    assert describe(CriterionCheck("distance", "0.0", "30"), True, ASKED_30_KM) == (
        "Dans la commune de la recherche (Lyon), dans les 30 km demandés (et dans le rayon de mobilité de la personne)")


def test_without_the_request_the_distance_limit_is_told_as_the_shorter_of_the_two() -> None:
    assert describe(CriterionCheck("distance", "4.2", "20"), True) == (
        "À 4,2 km (limite retenue : 20 km, le plus court du rayon de mobilité de la personne et de la distance "
        "maximale demandée)")


def test_availability_is_the_persons_day_beside_the_latest_day_asked_both_as_french_dates() -> None:
    assert describe(CriterionCheck("availability", "2027-01-11", "2027-01-15"), True) == (
        "Disponible dès le 11/01/2027 (disponibilité demandée au plus tard le 15/01/2027)")


def test_contract_and_hours_are_what_the_advisor_asked_beside_the_persons_own_wish() -> None:
    assert describe(CriterionCheck("contract_type", "interim", "CDI interim"), True) == (
        "Contrat demandé : intérim (la personne accepte : CDI, intérim)")
    assert describe(CriterionCheck("contract_type", "CDD", ""), True) == (
        "Contrat demandé : CDD (la personne accepte tout contrat)")
    assert describe(CriterionCheck("hours", "35", "39"), True) == (
        "Durée demandée : 35 h par semaine (maximum de la personne : 39 h)")
    assert describe(CriterionCheck("hours", "35", ""), True) == (
        "Durée demandée : 35 h par semaine (la personne n'a pas de maximum)")


def test_salary_is_the_advisors_maximum_beside_the_persons_expected_minimum_with_grouped_thousands() -> None:
    assert describe(CriterionCheck("salary", "24000", "22000"), True) == (
        "Salaire prévu jusqu'à 24\u202f000\u00a0€ par an (la personne souhaite au moins 22\u202f000\u00a0€)")
    assert describe(CriterionCheck("salary", "24000", "30000"), False) == (
        "Salaire souhaité par la personne : au moins 30\u202f000\u00a0€ par an, au-dessus du salaire prévu "
        "(jusqu'à 24\u202f000\u00a0€)")
