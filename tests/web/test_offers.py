"""The advisor's offer pages: publish, list, search, open, change, close."""
from __future__ import annotations

import re
from uuid import uuid4

import pytest

from application.values import CLOSING_REASONS, CONTRACT_TYPES
from tests.web.conftest import HTMX, created_id, field_error, input_value, offer_form, post
from web.labels import CLOSING_REASON_LABELS, CONTRACT_LABELS

NEW = "/conseiller/offres/nouvelle"


def publish(client, **changes: str) -> str:
    response = post(client, NEW, offer_form(**changes))
    assert response.status_code == 303, response.text
    return created_id(response)


def test_publishing_without_javascript_redirects_to_the_offer(advisor) -> None:
    response = post(advisor, NEW, offer_form(title="Cuisinier de collectivité", contract_type="CDD", salary_min="21000",
                                             salary_max="23500"))
    assert response.status_code == 303
    page = advisor.get(response.headers["location"]).text
    assert "Cuisinier de collectivité" in page
    assert "CDD" in page and "21\u202f000\u00a0€" in page and "23\u202f500\u00a0€" in page
    assert "offre ouverte" in page


def test_publishing_with_htmx_answers_an_hx_redirect(advisor) -> None:
    response = post(advisor, NEW, offer_form(), htmx=True)
    assert response.status_code == 200
    assert response.headers["hx-redirect"].startswith("/conseiller/offres/")


def test_the_contract_select_lists_every_contract_type_with_a_french_label(advisor) -> None:
    page = advisor.get(NEW).text
    for code in CONTRACT_TYPES:
        assert f'<option value="{code}"' in page
    assert '<option value="interim">Intérim</option>' in page


def test_every_code_has_a_french_label() -> None:
    assert set(CONTRACT_TYPES) <= set(CONTRACT_LABELS)
    assert set(CLOSING_REASONS) <= set(CLOSING_REASON_LABELS)


def test_broken_rules_are_shown_beside_their_fields_and_nothing_is_written(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, offer_form(rome_code="ZZ", salary_min="30000", salary_max="20000", hours_per_week="60",
                                             contract_type="stage", title="Gardé"))
    assert response.status_code == 422
    assert "Code ROME invalide" in field_error(response.text, "rome_code")
    assert "supérieur ou égal" in field_error(response.text, "salary_max")
    assert "1 à 48" in field_error(response.text, "hours_per_week")
    assert field_error(response.text, "contract_type") == "Type de contrat inconnu."
    assert input_value(response.text, "title") == "Gardé"
    assert services.app.recorder.max_notification_id() == before


def test_numbers_that_are_not_numbers_get_a_french_message(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, offer_form(hours_per_week="trente", salary_min="", salary_max="beaucoup"), htmx=True)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="offer-form"')
    assert "nombre entier" in field_error(response.text, "hours_per_week")
    assert "obligatoire" in field_error(response.text, "salary_min")
    assert "nombre entier" in field_error(response.text, "salary_max")
    assert services.app.recorder.max_notification_id() == before


def test_an_offer_can_be_changed_and_a_stale_change_is_a_409(advisor, services) -> None:
    offer_id = publish(advisor)
    edit = advisor.get(f"/conseiller/offres/{offer_id}/modifier").text
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    url = f"/conseiller/offres/{offer_id}/modifier"
    changed = post(advisor, url, offer_form(title="Agent de propreté (matin)", version=version))
    assert (changed.status_code, changed.headers["location"]) == (303, f"/conseiller/offres/{offer_id}")
    assert "Agent de propreté (matin)" in advisor.get(f"/conseiller/offres/{offer_id}").text
    before = services.app.recorder.max_notification_id()
    stale = post(advisor, url, offer_form(title="Autre titre", version=version))
    assert stale.status_code == 409
    assert "Cette fiche a été modifiée entre-temps : rechargez la page." in stale.text
    assert services.app.recorder.max_notification_id() == before


def test_closing_needs_a_reason_from_the_list(advisor, services) -> None:
    offer_id = publish(advisor)
    url = f"/conseiller/offres/{offer_id}/cloturer"
    before = services.app.recorder.max_notification_id()
    missing = post(advisor, url, {"reason": ""}, htmx=True)
    assert missing.status_code == 422 and missing.text.lstrip().startswith('<section id="cloture"')
    assert field_error(missing.text, "reason")
    unknown = post(advisor, url, {"reason": "lassitude"})
    assert unknown.status_code == 422 and field_error(unknown.text, "reason")
    other = post(advisor, url, {"reason": "autre"})
    assert other.status_code == 422 and field_error(other.text, "reason_text") == "Précisez le motif."
    assert services.app.recorder.max_notification_id() == before
    closed = post(advisor, url, {"reason": "pourvue"})
    assert closed.status_code == 303
    page = advisor.get(f"/conseiller/offres/{offer_id}").text
    assert "offre clôturée (Offre pourvue)" in page
    assert "Clôturer l'offre" not in page and "Modifier l'offre" not in page


def test_a_closed_offer_can_no_longer_change(advisor) -> None:
    offer_id = publish(advisor)
    version = re.search(r'name="version" value="(\d+)"', advisor.get(f"/conseiller/offres/{offer_id}/modifier").text).group(1)
    post(advisor, f"/conseiller/offres/{offer_id}/cloturer", {"reason": "expiree"})
    again = post(advisor, f"/conseiller/offres/{offer_id}/cloturer", {"reason": "pourvue"})
    assert again.status_code == 409 and "clôturée" in again.text
    change = post(advisor, f"/conseiller/offres/{offer_id}/modifier", offer_form(version=version))
    assert change.status_code == 409


@pytest.mark.parametrize("url", ["/conseiller/offres/{id}", "/conseiller/offres/{id}/modifier"])
def test_unknown_and_malformed_offer_ids_are_404(advisor, url) -> None:
    assert advisor.get(url.format(id=uuid4())).status_code == 404
    assert advisor.get(url.format(id="n-importe-quoi")).status_code == 404


def test_the_offer_list_is_searchable_and_paginated_with_htmx_fragments(advisor) -> None:
    for n in range(21):
        publish(advisor, title=f"Offre numéro {n}", commune="Lyon" if n % 2 else "Villeurbanne")
    publish(advisor, title="Soudeur", rome_code="H2913", commune="Lyon")
    first = advisor.get("/conseiller/offres")
    assert "22 offres" in first.text and "Page 1 sur 2" in first.text
    second = advisor.get("/conseiller/offres?page=2", headers=HTMX)
    assert "<html" not in second.text and "Page 2 sur 2" in second.text
    assert second.text.count("<tr>") == 3
    found = advisor.get("/conseiller/offres?q=h2913", headers=HTMX)
    assert "Soudeur" in found.text and "Offre numéro" not in found.text and "1 offre" in found.text
    by_commune = advisor.get("/conseiller/offres?q=villeurbanne").text
    assert "11 offres" in by_commune and "Soudeur" not in by_commune
