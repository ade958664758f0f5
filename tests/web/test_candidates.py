"""The advisor's job seeker pages: register, list, search, open, change, consent."""
from __future__ import annotations

import re
from uuid import UUID, uuid4

from application.caller import Caller
from tests.web.conftest import AGENCY, HTMX, candidate_form, created_id, csrf_token, field_error, input_value, post

NEW = "/conseiller/demandeurs/nouveau"
STALE = "Cette fiche a été modifiée entre-temps : rechargez la page."


def register(client, **changes: str) -> str:
    response = post(client, NEW, candidate_form(**changes))
    assert response.status_code == 303, response.text
    return created_id(response)


def test_registering_without_javascript_redirects_to_the_new_record(advisor) -> None:
    response = post(advisor, NEW, candidate_form(first_name="Léa", last_name="Dubois"))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/conseiller/demandeurs/")
    page = advisor.get(response.headers["location"])
    assert page.status_code == 200
    assert "Dubois Léa" in page.text
    assert "+33612345678" in page.text and "Villeurbanne" in page.text
    assert "accepte</strong> d'être contactée par SMS" in page.text


def test_registering_with_htmx_answers_an_hx_redirect_to_the_record(advisor) -> None:
    response = post(advisor, NEW, candidate_form(last_name="Htmx"), htmx=True)
    assert response.status_code == 200
    target = response.headers["hx-redirect"]
    assert target.startswith("/conseiller/demandeurs/")
    assert "Htmx" in advisor.get(target).text


def test_the_registration_form_labels_every_field_and_asks_the_communes_as_one_types(advisor) -> None:
    page = advisor.get(NEW).text
    for field in ("first_name", "last_name", "phone", "commune", "rome_codes", "skills", "available_from",
                  "mobility_km", "notes", "sms_consent"):
        assert f'for="f-{field}"' in page and f'id="f-{field}"' in page, field
    assert 'list="communes"' in page
    assert re.search(r'<datalist id="communes" hx-get="/communes"[^>]*hx-include="#f-commune" hx-target="this"', page)
    assert "<option" not in page.split('<datalist id="communes"')[1].split("</datalist>")[0]


def test_an_invalid_phone_is_refused_beside_the_field_and_nothing_is_written(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(phone="12", first_name="Gardé"))
    assert response.status_code == 422
    assert field_error(response.text, "phone", ).startswith("Numéro de téléphone invalide")
    assert input_value(response.text, "first_name") == "Gardé"
    assert input_value(response.text, "phone") == "12"
    assert services.app.recorder.max_notification_id() == before


def test_an_invalid_form_sent_with_htmx_gets_the_form_fragment_back_with_422(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(phone="12"), htmx=True)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="candidate-form"')
    assert "<html" not in response.text
    assert field_error(response.text, "phone")
    assert services.app.recorder.max_notification_id() == before


def test_malformed_values_and_broken_rules_are_all_shown_at_once(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(
        advisor, NEW,
        candidate_form(available_from="31/02/2026", mobility_km="loin", rome_codes="XX", first_name="", commune="Atlantide"),
    )
    assert response.status_code == 422
    assert "n'est pas une date valide" in field_error(response.text, "available_from")
    assert "nombre entier" in field_error(response.text, "mobility_km")
    assert "Code ROME invalide" in field_error(response.text, "rome_codes")
    assert "obligatoire" in field_error(response.text, "first_name")
    assert input_value(response.text, "mobility_km") == "loin"
    assert services.app.recorder.max_notification_id() == before


def test_an_unknown_commune_is_refused_beside_the_field(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(commune="Atlantide"))
    assert response.status_code == 422
    assert field_error(response.text, "commune") == "Commune inconnue."
    assert services.app.recorder.max_notification_id() == before


def test_a_french_date_typed_by_hand_is_accepted(advisor) -> None:
    candidate_id = register(advisor, available_from="15/01/2027")
    assert "15/01/2027" in advisor.get(f"/conseiller/demandeurs/{candidate_id}").text


def test_a_phone_already_registered_in_the_agency_is_a_409_beside_the_field(advisor, services) -> None:
    register(advisor)
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(first_name="Autre", phone="+33 6 12 34 56 78"))
    assert response.status_code == 409
    assert "déjà ce numéro" in field_error(response.text, "phone")
    assert services.app.recorder.max_notification_id() == before


def test_changing_a_profile_keeps_the_version_and_shows_the_change(advisor) -> None:
    candidate_id = register(advisor)
    form = advisor.get(f"/conseiller/demandeurs/{candidate_id}/modifier").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    assert input_value(form, "last_name") == "Martin"
    response = post(
        advisor, f"/conseiller/demandeurs/{candidate_id}/modifier",
        candidate_form(last_name="Martin-Durand", version=version),
    )
    assert (response.status_code, response.headers["location"]) == (303, f"/conseiller/demandeurs/{candidate_id}")
    assert "Martin-Durand" in advisor.get(response.headers["location"]).text


def test_a_stale_edit_is_a_409_shown_in_place_and_writes_nothing(advisor, services) -> None:
    candidate_id = register(advisor)
    edit = advisor.get(f"/conseiller/demandeurs/{candidate_id}/modifier").text
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    url = f"/conseiller/demandeurs/{candidate_id}/modifier"
    assert post(advisor, url, candidate_form(notes="première", version=version)).status_code == 303
    before = services.app.recorder.max_notification_id()
    response = post(advisor, url, candidate_form(notes="seconde", version=version), htmx=True)
    assert response.status_code == 409
    assert STALE in response.text
    assert response.text.lstrip().startswith('<form id="candidate-form"')
    assert "seconde" in response.text  # the person's input is kept
    assert services.app.recorder.max_notification_id() == before


def test_an_edit_without_its_version_is_a_400(advisor) -> None:
    candidate_id = register(advisor)
    response = post(advisor, f"/conseiller/demandeurs/{candidate_id}/modifier", candidate_form())
    assert response.status_code == 400
    assert "rechargez la page" in response.text


def test_an_unknown_job_seeker_is_a_french_404(advisor) -> None:
    response = advisor.get(f"/conseiller/demandeurs/{uuid4()}")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_a_malformed_id_is_a_404_not_a_500(advisor) -> None:
    for url in ("/conseiller/demandeurs/pas-un-uuid", "/conseiller/demandeurs/pas-un-uuid/modifier"):
        assert advisor.get(url).status_code == 404
    assert post(advisor, "/conseiller/demandeurs/123/consentement", {"action": "give"}).status_code == 404


def test_notes_with_markup_are_escaped_and_kept_out_of_htmx_processing(advisor) -> None:
    candidate_id = register(advisor, notes='<script>alert("x")</script><img src=x onerror=alert(1)>',
                            first_name="<b>Zoé</b>")
    page = advisor.get(f"/conseiller/demandeurs/{candidate_id}").text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Zoé</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert '<div class="free-text" hx-disable>&lt;script&gt;' in page


def test_the_list_is_paginated_and_htmx_gets_the_results_fragment_alone(advisor, services) -> None:
    for n in range(23):
        register(advisor, last_name=f"Nom{n:02d}", phone=f"061{n:07d}")
    first = advisor.get("/conseiller/demandeurs")
    assert "23 demandeurs" in first.text and "Page 1 sur 2" in first.text
    assert first.text.count("<tr>") == 21  # header + 20 rows
    second = advisor.get("/conseiller/demandeurs?page=2", headers=HTMX)
    assert second.status_code == 200
    assert "<html" not in second.text and "<form" not in second.text
    assert "Page 2 sur 2" in second.text and second.text.count("<tr>") == 4
    assert "Nom22" in second.text and "Nom00" not in second.text
    assert "HX-Request" in second.headers["vary"]
    # The full page embeds the very same fragment.
    full = advisor.get("/conseiller/demandeurs?page=2").text
    assert second.text.strip() in full


def test_search_finds_by_name_commune_and_skill_and_updates_in_place(advisor) -> None:
    register(advisor, last_name="Lefèvre", commune="Lyon", skills="soudure", phone="0611111111")
    register(advisor, last_name="Bernard", commune="Villeurbanne", skills="cuisine", phone="0622222222")
    for query, expected, absent in (("lefevre", "Lefèvre", "Bernard"), ("villeurbanne", "Bernard", "Lefèvre"),
                                    ("soudure", "Lefèvre", "Bernard")):
        response = advisor.get(f"/conseiller/demandeurs?q={query}", headers=HTMX)
        assert response.status_code == 200
        assert expected in response.text and absent not in response.text, query
        assert "<html" not in response.text
    page = advisor.get("/conseiller/demandeurs").text
    assert 'hx-get="/conseiller/demandeurs"' in page and 'hx-target="#resultats"' in page
    assert 'hx-push-url="true"' in page and "delay:" in page


def test_a_malformed_page_number_is_a_400_in_french(advisor) -> None:
    for bad in ("deux", "-1", "0", "1e9"):
        response = advisor.get(f"/conseiller/demandeurs?page={bad}")
        assert response.status_code == 400, bad
        assert "numéro de page" in response.text


def test_a_control_character_in_the_notes_or_a_withdrawal_reason_is_a_422_beside_the_field(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(notes="Préfère les matins\x1b[2J"))
    assert response.status_code == 422
    assert "caractère invisible" in field_error(response.text, "notes")
    candidate_id = register(advisor, notes="Préfère les matins.\r\n\tPas de voiture.")  # line breaks and tabs stay
    assert services.app.recorder.max_notification_id() > before
    written = services.app.recorder.max_notification_id()
    url = f"/conseiller/demandeurs/{candidate_id}/consentement"
    withdrawal = post(advisor, url, {"action": "withdraw", "reason": "autre", "reason_text": "trop\u202eloin"}, htmx=True)
    assert withdrawal.status_code == 422
    assert "caractère invisible" in field_error(withdrawal.text, "reason_text")
    assert services.app.recorder.max_notification_id() == written


def test_consent_can_be_withdrawn_with_a_reason_and_given_again(advisor) -> None:
    candidate_id = register(advisor)
    url = f"/conseiller/demandeurs/{candidate_id}/consentement"
    missing = post(advisor, url, {"action": "withdraw"}, htmx=True)
    assert missing.status_code == 422
    assert field_error(missing.text, "reason")
    other = post(advisor, url, {"action": "withdraw", "reason": "autre"})
    assert other.status_code == 422 and field_error(other.text, "reason_text") == "Précisez le motif."
    withdrawn = post(advisor, url, {"action": "withdraw", "reason": "stop_sms"}, htmx=True)
    assert withdrawn.status_code == 200
    assert withdrawn.text.lstrip().startswith('<section id="consentement"')
    assert "n'a pas donné" in withdrawn.text
    again = post(advisor, url, {"action": "withdraw", "reason": "stop_sms"})
    assert again.status_code == 409 and "déjà retiré" in again.text
    given = post(advisor, url, {"action": "give"})
    assert (given.status_code, given.headers["location"]) == (303, f"/conseiller/demandeurs/{candidate_id}")
    assert "accepte</strong>" in advisor.get(f"/conseiller/demandeurs/{candidate_id}").text


def test_an_unknown_consent_action_is_a_400(advisor) -> None:
    candidate_id = register(advisor)
    response = post(advisor, f"/conseiller/demandeurs/{candidate_id}/consentement", {"action": "effacer"})
    assert response.status_code == 400 and "Action inconnue" in response.text


def test_contracts_hours_and_salary_the_person_accepts_are_recorded_shown_and_editable(advisor) -> None:
    candidate_id = register(advisor, contract_types=["CDD", "interim"], max_hours_per_week="24",
                            salary_min_expected="21 000")
    page = advisor.get(f"/conseiller/demandeurs/{candidate_id}").text
    assert "CDD, Intérim" in page and "au plus 24 h" in page and "21\u202f000\u00a0€" in page
    form = advisor.get(f"/conseiller/demandeurs/{candidate_id}/modifier").text
    assert re.search(r'id="f-contract_types-CDD"[^>]*checked', form)
    assert not re.search(r'id="f-contract_types-CDI"[^>]*checked', form)
    assert input_value(form, "max_hours_per_week") == "24"


def test_left_empty_the_conditions_mean_no_constraint(advisor) -> None:
    candidate_id = register(advisor, max_hours_per_week="", salary_min_expected="")
    page = advisor.get(f"/conseiller/demandeurs/{candidate_id}").text
    assert "Tous" in page and "sans limite" in page and "non précisé" in page


def test_impossible_conditions_are_refused_beside_their_fields(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(contract_types=["CDI", "stage"], max_hours_per_week="60",
                                                 salary_min_expected="beaucoup"))
    assert response.status_code == 422
    assert "Type de contrat inconnu" in response.text
    assert 'id="f-contract_types-error"' in response.text
    assert "48 heures" in field_error(response.text, "max_hours_per_week")
    assert "nombre entier" in field_error(response.text, "salary_min_expected")
    assert services.app.recorder.max_notification_id() == before


def test_a_control_character_in_a_name_is_refused_beside_the_field_and_nothing_is_written(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    response = post(advisor, NEW, candidate_form(last_name="Mar\x01tin", first_name="Zo\x1bé"))
    assert response.status_code == 422
    assert "caractère invisible" in field_error(response.text, "last_name")
    assert "caractère invisible" in field_error(response.text, "first_name")
    assert services.app.recorder.max_notification_id() == before


def test_an_availability_date_absurdly_far_in_the_past_or_future_is_a_422_beside_the_field(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    for day in ("1800-01-01", "01/01/2015", "2029-01-01"):  # the test clock's today is 2026-11-30
        response = post(advisor, NEW, candidate_form(available_from=day), htmx=True)
        assert response.status_code == 422, day
        assert "La date de disponibilité va du" in field_error(response.text, "available_from"), day
    assert services.app.recorder.max_notification_id() == before
    register(advisor, available_from="2026-06-01")  # a few months back: available now


def test_only_the_consent_box_own_value_is_a_consent_anything_else_is_a_422(advisor, services) -> None:
    before = services.app.recorder.max_notification_id()
    for value in ("maybe", "non", "off"):
        response = post(advisor, NEW, candidate_form(sms_consent=value), htmx=True)
        assert response.status_code == 422, value
        assert "Valeur inattendue" in field_error(response.text, "sms_consent")
    assert services.app.recorder.max_notification_id() == before
    given, withheld = register(advisor), register(advisor, sms_consent="", phone="0633333333")
    advisor_caller = Caller("t", "advisor", AGENCY, "req-t")
    assert services.candidates.get(advisor_caller, UUID(given)).sms_consent is True
    assert services.candidates.get(advisor_caller, UUID(withheld)).sms_consent is False


def test_a_form_that_is_not_utf8_is_a_400_and_nothing_is_stored(advisor, services) -> None:
    fields = {**candidate_form(), "_csrf_token": csrf_token(advisor)}
    body = "&".join(f"{name}={value}" for name, value in fields.items() if name != "last_name") + "&last_name=%ED%A0%80"
    before = services.app.recorder.max_notification_id()
    response = advisor.post(NEW, content=body.encode(), follow_redirects=False,
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400 and "encodage UTF-8 invalide" in response.text
    assert "\ufffd" not in response.text
    assert services.app.recorder.max_notification_id() == before
    assert advisor.get("/conseiller/demandeurs?q=%ED%A0%80").status_code == 400


def test_a_control_character_in_the_search_is_never_echoed(advisor) -> None:
    register(advisor, last_name="Lefèvre")
    response = advisor.get("/conseiller/demandeurs?q=lef%1Bevre")
    assert response.status_code == 200
    assert "\x1b" not in response.text
    refused = advisor.get("/conseiller/demandeurs?q=%00lef")  # a NUL is refused whole, in any field
    assert refused.status_code == 400 and "caractère nul" in refused.text and "\x00" not in refused.text
