"""The job seeker form records birth date, sex and priority area only if given, checks them in
French beside each field, and shows them back on the record and in the edit form."""
from __future__ import annotations

import re

from tests.web.conftest import candidate_form, created_id, field_error, input_value, post
from tests.web.test_candidates import NEW, register


def test_the_optional_fields_are_recorded_shown_and_offered_back_for_editing(advisor) -> None:
    candidate_id = register(advisor, birth_date="04/03/1990", sex="F", priority_area="yes")
    page = advisor.get(f"/conseiller/demandeurs/{candidate_id}").text
    assert "04/03/1990" in page and "Femme" in page
    assert re.search(r"quartier prioritaire \(QPV\)</dt><dd>Oui</dd>", page)
    form = advisor.get(f"/conseiller/demandeurs/{candidate_id}/modifier").text
    assert input_value(form, "birth_date") == "04/03/1990"
    assert re.search(r'<option value="F" selected>', form) and re.search(r'<option value="yes" selected>', form)


def test_left_empty_they_are_not_recorded(advisor, services) -> None:
    candidate_id = register(advisor)
    page = advisor.get(f"/conseiller/demandeurs/{candidate_id}").text
    assert "non renseignée" in page and page.count("non renseigné") >= 3
    with services.database.read() as tx:
        row = tx.fetchone("SELECT birth_date, sex, priority_area FROM rm_candidates WHERE id = ?", (candidate_id,))
    assert dict(row) == {"birth_date": "", "sex": "", "priority_area": ""}


def test_a_birth_year_alone_is_enough(advisor) -> None:
    response = post(advisor, NEW, candidate_form(birth_date="1988"))
    assert response.status_code == 303
    assert "1988" in advisor.get(f"/conseiller/demandeurs/{created_id(response)}").text


def test_bad_values_are_refused_beside_each_field_and_nothing_is_written(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(birth_date="31/02/1990", sex="X", priority_area="peut-être"))
    assert response.status_code == 422
    assert "Date de naissance invalide" in field_error(response.text, "birth_date")
    assert field_error(response.text, "sex") == "Sexe : F, M ou non renseigné."
    assert "Quartier prioritaire" in field_error(response.text, "priority_area")
    response = post(advisor, NEW, candidate_form(birth_date="2020"))
    assert response.status_code == 422
    assert "entre 15 et 100 ans" in field_error(response.text, "birth_date")
    assert services.app.recorder.max_notification_id() == before
