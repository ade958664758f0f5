"""An erased person's edit form is gone for good: the page says so in French and shows no form (410), and a
submitted form, with or without htmx, gets the same answer and changes nothing (review finding 9)."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from application.caller import Caller
from application.values import Reason
from tests.web.conftest import candidate_form, created_id, post, recorded_changes

ERASED = "Les données personnelles de cette personne ont été effacées : sa fiche ne peut plus être modifiée."


def erased_person(advisor: Any, services: Any) -> str:
    person = created_id(post(advisor, "/conseiller/demandeurs/nouveau", candidate_form()))
    services.app.erase_candidate(UUID(person), Reason("demande_rgpd"), "personne", Caller("dpo", "compliance", "", "r"))
    return person


def test_the_edit_form_of_an_erased_person_says_so_and_shows_no_form(advisor: Any, services: Any) -> None:
    person = erased_person(advisor, services)
    page = advisor.get(f"/conseiller/demandeurs/{person}/modifier")
    assert page.status_code == 410
    assert ERASED in page.text and "<form" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "[effacé]" not in page.text and "<html" in page.text
    assert f'href="/conseiller/demandeurs/{person}"' in page.text  # back to the (erased) record


def test_a_form_submitted_for_an_erased_person_gets_the_same_answer_and_nothing_is_written(
    advisor: Any, services: Any
) -> None:
    person = erased_person(advisor, services)
    before = recorded_changes(services)
    # The form as the browser last had it (before the erasure), and a form filled in with erased fields.
    for form in (candidate_form(version="1"), candidate_form(version="2", first_name="[effacé]", birth_date="[effacé]")):
        for htmx in (False, True):
            answer = post(advisor, f"/conseiller/demandeurs/{person}/modifier", form, htmx=htmx)
            assert answer.status_code == 410, answer.text
            assert ERASED in answer.text and "Date de naissance" not in answer.text
            assert ("<html" in answer.text) is not htmx  # htmx swaps the message in place of the form
            assert 'id="candidate-form"' in answer.text
    assert recorded_changes(services) == before


def test_a_person_not_erased_still_gets_the_form(advisor: Any) -> None:
    person = created_id(post(advisor, "/conseiller/demandeurs/nouveau", candidate_form()))
    page = advisor.get(f"/conseiller/demandeurs/{person}/modifier")
    assert page.status_code == 200 and 'id="candidate-form"' in page.text and "<form" in page.text
