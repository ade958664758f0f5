"""A bad filter or a bad time-travel value on the auditor's pages answers 400 with the page itself: the search
form, or the timeline and its time-travel forms, with the message beside the field at fault (issue 2), with or
without JavaScript (review 7, point 8). Each such page view is still recorded."""
from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HTMX, field_error, input_value
from tests.web.test_audit_history import access_events, decided_offer  # noqa: F401 - a fixture
from tests.web.test_shortlist import publish

HISTORY = "/audit/historique"


@pytest.fixture
def auditor(signed_in: Any) -> Any:
    return signed_in("auditor", username="odile")


@pytest.mark.parametrize(("query", "field", "message"), [
    ("du=pas-une-date", "du", "La date de début n'est pas une date valide (JJ/MM/AAAA)."),
    ("du=2026-12-01&au=2026-01-01", "au", "La date de fin doit suivre la date de début."),
    ("du=0001-01-01", "du", "La date de début doit être comprise entre 2000 et 2100."),
    ("au=9999-12-31", "au", "La date de fin doit être comprise entre 2000 et 2100."),
    ("offre=pas-un-id", "offre", "L'offre doit être un identifiant de fiche (copiez-le depuis sa page)."),
    ("dossier=12", "dossier", "La fiche doit être un identifiant de fiche (copiez-le depuis sa page)."),
    ("type=Inconnu", "type", "Type de fiche inconnu : choisissez-le dans la liste."),
])
def test_a_bad_history_filter_is_shown_beside_its_field_in_the_search_form(
        auditor: Any, query: str, field: str, message: str) -> None:
    page = auditor.get(f"{HISTORY}?personne=Arnaud&{query}")
    assert page.status_code == 400 and '<html lang="fr">' in page.text
    assert 'id="history-form"' in page.text and field_error(page.text, field) == message
    assert input_value(page.text, "personne") == "Arnaud"  # what was typed stays, to be corrected
    assert "Requête incorrecte" not in page.text and "événement" not in page.text.split('id="resultats"', 1)[1]
    fragment = auditor.get(f"{HISTORY}?personne=Arnaud&{query}", headers=HTMX)
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="historique">')  # what the form's htmx swaps
    assert field_error(fragment.text, field) == message


def test_the_search_form_and_its_links_swap_the_form_and_the_results_together(auditor: Any,
                                                                              decided_offer: Any) -> None:  # noqa: F811
    page = auditor.get(HISTORY).text
    assert 'hx-target="#historique" hx-swap="outerHTML"' in page.split('id="history-form"', 1)[1].split(">", 1)[0]
    fragment = auditor.get(f"{HISTORY}?personne=Arnaud", headers=HTMX)
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="historique">')
    assert input_value(fragment.text, "personne") == "Arnaud" and "Inscription" in fragment.text


@pytest.mark.parametrize(("query", "field", "message"), [
    ("version=99", "version", "La version 99 n'existe pas : cette fiche en est à la version 1."),
    ("version=abc", "version", "Le paramètre « version » doit être un numéro de version entier, à partir de 1."),
    ("at=garbage", "at", "La date « at » doit s'écrire AAAA-MM-JJTHH:MM (heure de Paris), par exemple "
                         "2026-03-01T10:00."),
    ("from=1", "to", "Une comparaison demande deux versions : « from » et « to »."),
    ("from=x&to=1", "from", "Le paramètre « from » doit être un numéro de version entier, à partir de 1."),
    ("from=1&to=7", "to", "La version 7 n'existe pas : cette fiche en est à la version 1."),
])
def test_a_bad_time_travel_value_is_shown_beside_its_field_above_the_timeline(
        auditor: Any, advisor: Any, query: str, field: str, message: str) -> None:
    offer_id = publish(advisor)
    page = auditor.get(f"/audit/historique/{offer_id}?{query}")
    assert page.status_code == 400 and '<html lang="fr">' in page.text and "Requête incorrecte" not in page.text
    assert field_error(page.text, field) == message
    assert '<details id="voyage" open>' in page.text
    assert 'class="timeline-entry' in page.text and "Offre publiée" in page.text  # the timeline is still there
    assert "État à la version 1 (actuelle)" in page.text  # the latest state, not the one asked for
    fragment = auditor.get(f"/audit/historique/{offer_id}?{query}", headers={**HTMX, "HX-Target": "fiche"})
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="fiche">') and field_error(fragment.text, field) == message
    assert 'class="timeline-entry' in fragment.text


def test_two_ways_of_choosing_at_once_are_named_above_the_forms(auditor: Any, advisor: Any) -> None:
    offer_id = publish(advisor)
    page = auditor.get(f"/audit/historique/{offer_id}?version=1&at=2026-11-30T10:00")
    assert page.status_code == 400 and 'class="form-errors"' in page.text
    assert "Choisissez une seule façon de remonter le temps" in page.text and "Offre publiée" in page.text


def test_the_time_travel_forms_swap_the_record_s_page_and_a_bad_moment_never_lands_in_the_appended_events(
        auditor: Any, advisor: Any) -> None:
    offer_id = publish(advisor)
    page = auditor.get(f"/audit/historique/{offer_id}").text
    voyage = page.split('<details id="voyage"', 1)[1].split("</details>", 1)[0]
    assert voyage.count('hx-target="#fiche" hx-swap="outerHTML"') == 3
    # An htmx request for more events (crafted with a bad moment): the record's page with the error, in its place.
    appended = auditor.get(f"/audit/historique/{offer_id}?version=99&page=1", headers=HTMX)
    assert appended.status_code == 400 and appended.text.lstrip().startswith('<div id="fiche">')
    assert (appended.headers["hx-retarget"], appended.headers["hx-reswap"]) == ("#fiche", "outerHTML")
    assert field_error(appended.text, "version") is not None
    fine = auditor.get(f"/audit/historique/{offer_id}?version=1", headers={**HTMX, "HX-Target": "fiche"})
    assert fine.status_code == 200 and "État à la version 1" in fine.text and field_error(fine.text, "version") is None


def test_the_page_links_after_a_bad_moment_do_not_carry_it(auditor: Any, advisor: Any) -> None:
    offer_id = publish(advisor)
    page = auditor.get(f"/audit/historique/{offer_id}?at=garbage").text
    assert "garbage" not in page.split('<section id="evenements"', 1)[1]
    assert input_value(page, "at") == "garbage"


def test_each_refused_page_is_recorded_like_any_other(auditor: Any, advisor: Any, services: Any) -> None:
    offer_id = publish(advisor)
    before = len(access_events(services))
    assert auditor.get(f"{HISTORY}?du=pas-une-date").status_code == 400
    assert auditor.get(f"{HISTORY}?du=2026-12-01&au=2026-01-01", headers=HTMX).status_code == 400
    assert auditor.get(f"/audit/historique/{offer_id}?version=99").status_code == 400
    assert auditor.get(f"/audit/historique/{offer_id}?at=garbage", headers=HTMX).status_code == 400
    recorded = access_events(services)[before:]
    assert [(e.path, e.query.value) for e in recorded] == [
        (HISTORY, "du=pas-une-date"), (HISTORY, "du=2026-12-01&au=2026-01-01"),
        (f"/audit/historique/{offer_id}", "version=99"), (f"/audit/historique/{offer_id}", "at=garbage"),
    ]


@pytest.mark.parametrize("field", ["personne", "acteur", "agence", "evenement", "type"])
def test_a_nul_character_in_any_history_filter_is_a_400_never_a_500_nor_a_match_for_everyone(
    signed_in: Any, field: str
) -> None:
    """PostgreSQL's text cannot hold a NUL (a 500 there), SQLite's LIKE stopped at it (every event matched)."""
    response = signed_in("auditor").get(f"/audit/historique?{field}=%00abc")
    assert response.status_code == 400
    assert "caractère nul" in response.text and "\x00" not in response.text


def test_an_event_type_the_log_does_not_hold_is_named_beside_its_field(auditor: Any) -> None:
    response = auditor.get("/audit/historique?evenement=Bogus.Event")
    assert response.status_code == 400
    assert "Aucun événement de ce type" in field_error(response.text, "evenement")
    assert auditor.get("/audit/historique?evenement=Account.Opened").status_code == 200
