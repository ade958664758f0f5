"""The compliance officer and the auditor find a person by phone number, as people making a request often
identify themselves (review 7, point 12): the typed number is normalised as registration does and looked up
by its keyed digest (phone_claims), in every agency, as the name search does."""
from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import AGENCY, HTMX, OTHER_AGENCY
from tests.web.test_compliance import PEOPLE, register

AS_TYPED = ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "+33612345678",
            "0033 6 12 34 56 78"]


@pytest.fixture
def people(signed_in: Any) -> dict[str, str]:
    """One number held in two agencies (one person per number and agency), and someone else's."""
    return {
        "here": register(signed_in, AGENCY, first_name="Zoé", last_name="Numéro", phone="06 12 34 56 78"),
        "there": register(signed_in, OTHER_AGENCY, first_name="Zacharie", last_name="Homonyme",
                          phone="+33 6 12 34 56 78"),
        "other": register(signed_in, OTHER_AGENCY, first_name="Yves", last_name="Autre", phone="06 99 88 77 66"),
    }


@pytest.mark.parametrize("typed", AS_TYPED)
def test_compliance_finds_everyone_with_a_number_in_every_agency_however_it_is_typed(
        signed_in: Any, people: dict[str, str], typed: str) -> None:
    listing = signed_in("compliance").get(PEOPLE, params={"q": typed})
    assert listing.status_code == 200 and "2 personnes" in listing.text
    assert f"{PEOPLE}/{people['here']}" in listing.text and f"{PEOPLE}/{people['there']}" in listing.text
    assert people["other"] not in listing.text


def test_compliance_s_search_by_name_is_unchanged_and_an_unknown_number_finds_no_one(
        signed_in: Any, people: dict[str, str]) -> None:
    dpo = signed_in("compliance")
    by_name = dpo.get(PEOPLE, params={"q": "numero"}, headers=HTMX).text
    assert people["here"] in by_name and people["there"] not in by_name
    nobody = dpo.get(PEOPLE, params={"q": "07 00 00 00 01"}).text
    assert people["here"] not in nobody and people["there"] not in nobody and people["other"] not in nobody
    assert "Rechercher (nom, téléphone, commune, compétence, ou identifiant)" in dpo.get(PEOPLE).text


@pytest.mark.parametrize("typed", ["06 99 88 77 66", "+33 6 99 88 77 66"])
def test_the_auditor_s_history_search_finds_a_person_of_any_agency_by_phone(
        signed_in: Any, people: dict[str, str], typed: str) -> None:
    auditor = signed_in("auditor", username="odile")
    found = auditor.get("/audit/historique", params={"personne": typed})
    assert found.status_code == 200 and "1 événement." in found.text
    assert f"/audit/historique/{people['other']}" in found.text and people["here"] not in found.text
    both = auditor.get("/audit/historique", params={"personne": "06 12 34 56 78"}, headers=HTMX).text
    assert "2 événements." in both  # the two registrations
    assert f"/audit/historique/{people['here']}" in both and f"/audit/historique/{people['there']}" in both
    assert people["other"] not in both
