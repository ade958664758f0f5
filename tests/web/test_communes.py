"""Every French commune in the forms: villages, homonyms told apart, postcodes, suggestions as one types."""
from __future__ import annotations

import re

from uuid import uuid4

from application.caller import Caller
from domain.candidate import Candidate
from tests.integration.helpers import details
from tests.web.conftest import AGENCY, candidate_form, created_id, field_error, input_value, offer_form, post
from tests.unit.fakes import FormerGazetteer

CANDIDATES = "/conseiller/demandeurs"
OFFERS = "/conseiller/offres/nouvelle"


def options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)">', html)


def test_a_job_seeker_living_in_a_village_of_671_inhabitants_is_registered(advisor) -> None:
    candidate_id = created_id(post(advisor, f"{CANDIDATES}/nouveau", candidate_form(commune="ancy")))
    assert "Ancy" in advisor.get(f"{CANDIDATES}/{candidate_id}").text


def test_a_name_several_communes_bear_is_refused_with_the_choices_and_nothing_is_written(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, f"{CANDIDATES}/nouveau", candidate_form(commune="saint-denis"))
    assert response.status_code == 422
    message = field_error(response.text, "commune")
    assert message.startswith("Plusieurs communes correspondent à « saint-denis » : ")
    assert "Saint-Denis (93)" in message and "Saint-Denis (974)" in message
    assert "Précisez le département entre parenthèses ou le code postal" in message
    assert input_value(response.text, "commune") == "saint-denis"
    assert services.app.recorder.max_notification_id() == before


def test_the_department_in_brackets_picks_the_commune_and_is_kept_in_its_name(advisor) -> None:
    candidate_id = created_id(post(advisor, f"{CANDIDATES}/nouveau", candidate_form(commune="Saint Denis (974)")))
    assert "Saint-Denis (974)" in advisor.get(f"{CANDIDATES}/{candidate_id}").text


def test_a_postcode_picks_the_commune(advisor) -> None:
    candidate_id = created_id(post(advisor, f"{CANDIDATES}/nouveau", candidate_form(commune="69100")))
    assert "Villeurbanne" in advisor.get(f"{CANDIDATES}/{candidate_id}").text


def test_an_offer_in_a_commune_with_homonyms_needs_the_department(advisor) -> None:
    response = post(advisor, OFFERS, offer_form(commune="Saint-Priest"))
    assert response.status_code == 422
    assert "Saint-Priest (69)" in field_error(response.text, "commune")
    assert created_id(post(advisor, OFFERS, offer_form(commune="Saint-Priest (69)")))


def test_the_communes_beginning_as_typed_are_suggested_most_populous_first(advisor) -> None:
    assert options(advisor.get("/communes", params={"commune": "villeurb"}).text) == ["Villeurbanne"]
    assert options(advisor.get("/communes", params={"commune": "69100"}).text) == ["Villeurbanne"]
    saints = options(advisor.get("/communes", params={"commune": "saint-denis"}).text)
    assert saints[:2] == ["Saint-Denis (974)", "Saint-Denis (93)"] and len(saints) == 20
    assert options(advisor.get("/communes", params={"commune": ""}).text) == []


def test_suggestions_are_escaped(advisor) -> None:
    response = advisor.get("/communes", params={"commune": "<script>"})
    assert response.status_code == 200 and "<script>" not in response.text


def test_only_advisors_get_suggestions(signed_in) -> None:
    assert signed_in("auditor").get("/communes", params={"commune": "lyon"}).status_code == 403


def test_a_record_stored_under_a_former_town_name_shows_it_and_its_edit_offers_the_commune_meant_first(
    advisor, services
) -> None:
    candidate_id = uuid4()
    profile = details(commune="Saint-Ouen").to_profile(candidate_id, FormerGazetteer())  # type: ignore[arg-type]
    services.app.save(Candidate.register(AGENCY, profile, True, Caller("alice", "advisor", AGENCY, "req-1").provenance,
                                         services.clock.now(), id=candidate_id))
    form = advisor.get(f"{CANDIDATES}/{candidate_id}/modifier").text
    assert input_value(form, "commune") == "Saint-Ouen"
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    response = post(advisor, f"{CANDIDATES}/{candidate_id}/modifier", candidate_form(commune="Saint-Ouen", version=version))
    assert response.status_code == 422
    assert field_error(response.text, "commune").startswith(
        "Plusieurs communes correspondent à « Saint-Ouen » : Saint-Ouen-sur-Seine, Saint-Ouen (41), Saint-Ouen (80).")
    response = post(advisor, f"{CANDIDATES}/{candidate_id}/modifier",
                    candidate_form(commune="Saint-Ouen-sur-Seine", version=version))
    assert response.status_code == 303
    assert "Saint-Ouen-sur-Seine" in advisor.get(f"{CANDIDATES}/{candidate_id}").text
