"""The auditor's pages: history search, timelines with time travel, suggestions beside decisions; read-only."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from application.queries.history import HISTORY_PAGE_SIZE
from tests.integration.helpers import advisor as integration_advisor
from tests.integration.helpers import details, mobile
from tests.web.conftest import HTMX, offer_form, post, recorded_changes
from tests.web.test_shortlist import ask, publish, register, suggestions, url

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def decided_offer(advisor: Any, clock: Any) -> dict[str, Any]:
    """An offer whose first suggestion is rejected with free text, the second accepted, one left pending."""
    register(advisor, "Arnaud", "06 11 11 11 11")
    register(advisor, "Bernard", "06 22 22 22 22", skills="nettoyage de locaux")
    register(advisor, "Chevalier", "06 33 33 33 33", commune="Lyon", mobility_km="5")
    offer_id = publish(advisor)
    clock.advance(minutes=5)
    ids = suggestions(ask(advisor, offer_id, htmx=True).text)
    clock.advance(seconds=4)
    rejected = post(advisor, url(offer_id, f"/{ids[0]}/rejeter"), {"reason": "mobilite", "reason_text": SCRIPT})
    assert rejected.status_code == 303, rejected.text
    clock.advance(minutes=2)
    assert post(advisor, url(offer_id, f"/{ids[1]}/accepter")).status_code == 303
    return {"offer_id": offer_id, "suggestions": ids}


@pytest.fixture
def auditor(signed_in: Any) -> Any:
    return signed_in("auditor", username="odile")


def results_of(html: str) -> str:
    """The results below the search form (whose lists name every event type)."""
    return html.split('id="resultats"', 1)[1]


def access_events(services: Any) -> list[Any]:
    recorder = services.app.recorder
    return [services.app.mapper.to_domain_event(n) for n in recorder.select_notifications(start=0, limit=100_000)
            if n.topic.endswith("AuditAccess.PageOpened")]


def test_the_auditor_opens_an_offer_and_sees_each_suggestion_beside_its_decision(auditor, decided_offer) -> None:
    offer_id, ids = decided_offer["offer_id"], decided_offer["suggestions"]
    page = auditor.get(f"/audit/offres/{offer_id}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    rows = {sid: page.text.split(f'id="s-{sid}"', 1)[1].split("</tr>", 1)[0] for sid in ids}
    assert "Rejetée" in rows[ids[0]] and "Mobilité (mobilite)" in rows[ids[0]] and "alice" in rows[ids[0]]
    assert "Délai de décision : 4 s" in rows[ids[0]]
    assert "Acceptée" in rows[ids[1]] and "Délai de décision : 2 min 4 s" in rows[ids[1]]
    assert all("Pas encore de décision" in rows[sid] for sid in ids[2:])
    assert "offline-bm25" in rows[ids[0]] and "Empreinte de l'entrée" in rows[ids[0]]
    assert SCRIPT not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # free text, escaped
    assert "Arnaud" in page.text or "Bernard" in page.text  # names decrypted while their keys exist


def test_the_auditor_reads_each_criterion_in_the_advisors_words_with_french_numbers_and_days(
    auditor, decided_offer
) -> None:
    page = unescape(auditor.get(f"/audit/offres/{decided_offer['offer_id']}").text)
    rows = page.split('class="suggestion-beside"')[1:]
    assert len(rows) == 3 and all(re.search(r"<p>Score \d+,\d{3}</p>", row) for row in rows)
    assert "Disponible dès le 01/12/2026 (disponibilité demandée au plus tard le 15/12/2026)" in page
    # Chevalier lives in Lyon and travels 5 km: the limit applied is hers, not the 30 km asked.
    assert ("Dans la commune de la recherche (Lyon), dans le rayon de mobilité de la personne "
            "(5 km, moins que les 30 km demandés)") in page
    assert "Durée demandée : 35 h par semaine (la personne n'a pas de maximum)" in page
    assert not re.search(r"Score \d+\.\d", page) and "(limite " not in page and "2026-12-01" not in page


def test_a_shortlist_of_one_person_is_counted_in_the_singular(auditor, advisor) -> None:
    register(advisor, "Arnaud", "06 11 11 11 11")
    offer_id = publish(advisor)
    assert len(suggestions(ask(advisor, offer_id, htmx=True).text)) == 1
    page = auditor.get(f"/audit/offres/{offer_id}").text
    assert "1 personne dans le vivier, 1 éligible · 1 suggestion</p>" in page


def test_the_timeline_shows_every_event_with_who_when_why_and_the_recorded_ai_output(
    auditor, decided_offer, services
) -> None:
    page = auditor.get(f"/audit/historique/{decided_offer['offer_id']}")
    assert page.status_code == 200
    entries = re.findall(r'<li id="v(\d+)" class="timeline-entry', page.text)
    assert [int(v) for v in entries] == list(range(1, len(entries) + 1))
    assert "Offre publiée" in page.text and "Suggestion rejetée" in page.text and "Suggestion acceptée" in page.text
    assert "Sortie enregistrée" in page.text and "SHA-256" in page.text
    assert "hx-disable" in page.text
    # The state's codes in French, beside the codes the export holds.
    state = page.text.split('id="state"', 1)[1].split("</table>", 1)[0]
    assert sorted(["À décider", "Acceptée (accepted)", "Rejetée (rejected)"]) == sorted(
        re.findall(r"suggestions\.[0-9a-f-]+\.decision</code></small></th><td>([^<]*)</td>", state))
    # Each suggestion's recorded provenance, as recorded: prompt and its version, the call's latency.
    recorded = [services.app.mapper.to_domain_event(n).ai
                for n in services.app.recorder.select_notifications(start=0, limit=100_000)
                if n.topic.endswith("MatchSuggested") and str(n.originator_id) == decided_offer["offer_id"]]
    shown = re.findall(r'<dl class="ai-output">(.*?)</dl>', page.text, re.S)
    assert recorded and len(shown) == len(recorded)
    for ai, block in zip(recorded, shown, strict=True):
        assert ai.prompt_id == "match-bm25" and ai.prompt_version  # the offline ranker's prompt, versioned
        assert f"<dt>Invite</dt><dd>{ai.prompt_id} v{ai.prompt_version}</dd>" in block
        assert f"<dt>Durée, jetons</dt><dd>{ai.latency_ms} ms · " in block


def test_time_travel_by_version_by_paris_time_and_between_two_versions(auditor, advisor, clock) -> None:
    offer_id = publish(advisor)  # 09:00 UTC = 10:00 in Paris (winter)
    clock.advance(minutes=20)  # sessions stay open
    assert auditor.get(f"/conseiller/offres/{offer_id}").status_code == 403  # the advisors' pages are not theirs
    edited = post(advisor, f"/conseiller/offres/{offer_id}/modifier", {**offer_form(title="Laveur de vitres"),
                                                                        "version": "1"})
    assert edited.status_code == 303, edited.text
    first = auditor.get(f"/audit/historique/{offer_id}?version=1").text
    assert "Agent de propreté" in first.split('id="state"', 1)[1].split("</table>", 1)[0]
    at = auditor.get(f"/audit/historique/{offer_id}?at=2026-11-30T10:10").text  # Paris time, between the two
    assert "État à la version 1" in at
    later = auditor.get(f"/audit/historique/{offer_id}?at=2026-11-30T10:20").text
    assert "État à la version 2" in later and "Laveur de vitres" in later.split('id="state"', 1)[1]
    before = auditor.get(f"/audit/historique/{offer_id}?at=2026-11-30T09:59").text
    assert "n'existait pas encore" in before
    assert "État au 30/11/2026 09:59:00" in before  # the moment asked, as a Paris time like the others
    changes = auditor.get(f"/audit/historique/{offer_id}?from=1&to=2").text
    table = changes.split('id="changes"', 1)[1].split("</table>", 1)[0]
    assert "terms.title" in table and "Agent de propreté" in table and "Laveur de vitres" in table
    assert "terms.commune" not in table
    # Each field under its French name, with the path the export and the log use.
    assert "Conditions de l&#39;offre › Intitulé<br><small><code>terms.title</code></small>" in table


@pytest.mark.parametrize("query", ["version=0", "version=abc", "version=99", "at=hier", "at=2026-13-01T10:00",
                                   "from=1", "from=1&to=x", "version=1&at=2026-11-30T10:00",
                                   "at=0001-01-01T00:00", "at=9999-12-31T23:59-05:00"])
def test_bad_time_travel_input_answers_a_french_400(auditor, advisor, query) -> None:
    offer_id = publish(advisor)
    response = auditor.get(f"/audit/historique/{offer_id}?{query}")
    assert response.status_code == 400, query
    assert 'class="form-errors"' in response.text and '<html lang="fr">' in response.text  # beside the forms


def test_unknown_or_malformed_record_ids_are_404(auditor) -> None:
    assert auditor.get("/audit/historique/00000000-0000-0000-0000-000000000000").status_code == 404
    assert auditor.get("/audit/historique/pas-un-id").status_code == 404
    assert auditor.get("/audit/offres/00000000-0000-0000-0000-000000000000").status_code == 404


def test_history_search_by_person_name_offer_actor_event_type_and_period(auditor, decided_offer) -> None:
    offer_id = decided_offer["offer_id"]
    by_name = auditor.get("/audit/historique?personne=arnaud")
    assert by_name.status_code == 200 and "Inscription" in results_of(by_name.text)
    assert "Suggestion de l&#39;IA" in by_name.text or "Suggestion rejetée" in by_name.text
    by_offer = auditor.get(f"/audit/historique?offre={offer_id}", headers=HTMX)
    assert "<html" not in by_offer.text and f"/audit/historique/{offer_id}" in by_offer.text
    assert "Inscription" not in results_of(by_offer.text)  # the form's list of event types names it
    by_actor = auditor.get("/audit/historique?acteur=alice&evenement=Offer.SuggestionAccepted").text
    assert "1 événement." in by_actor
    assert "Aucun événement" in auditor.get("/audit/historique?du=2020-01-01&au=2020-01-31").text
    assert "Aucun événement" not in auditor.get("/audit/historique?du=2026-11-30&au=2026-11-30").text
    for bad in ("du=hier", "offre=pas-un-id", "type=Inconnu", "du=2026-12-02&au=2026-12-01", "page=0"):
        assert auditor.get(f"/audit/historique?{bad}").status_code == 400, bad
    # More cases, each beside its field: tests/web/test_audit_form_errors.py.


def test_history_results_are_paginated_with_htmx_links(auditor, services) -> None:
    for n in range(HISTORY_PAGE_SIZE + 1):
        services.app.register_candidate(details(last_name=f"Nom{n}", phone=mobile(n)), sms_consent=True,
                                        caller=integration_advisor())
    first = auditor.get("/audit/historique?type=Candidate&agence=lyon-est", headers=HTMX).text
    assert "Page 1 sur 2" in first and 'hx-get="/audit/historique?type=Candidate&amp;agence=lyon-est&amp;page=2"' in first
    second = auditor.get("/audit/historique?type=Candidate&agence=lyon-est&page=2").text
    assert "Page 2 sur 2" in second


def test_every_page_an_auditor_opens_is_recorded_with_who_what_query_and_request(auditor, services, decided_offer) -> None:
    offer_id = decided_offer["offer_id"]
    before = len(access_events(services))
    response = auditor.get(f"/audit/historique/{offer_id}?version=1")
    auditor.get("/audit/historique?personne=Arnaud")
    recorded = access_events(services)[before:]
    assert [(e.method, e.path) for e in recorded] == [
        ("GET", f"/audit/historique/{offer_id}"), ("GET", "/audit/historique")]
    assert recorded[0].aggregate_id == offer_id and recorded[0].query.value == "version=1"
    assert recorded[1].query.value == "personne=Arnaud" and recorded[1].aggregate_id == ""
    assert recorded[0].provenance.actor_role == "auditor"
    assert recorded[0].provenance.correlation_id == response.headers["x-request-id"]
    assert recorded[0].provenance.actor_id == services.accounts.credentials("odile").account.id


def test_the_recorded_search_is_encrypted_in_the_store(auditor, services) -> None:
    auditor.get("/audit/historique?personne=Zébulon-Canari")
    raw = b"".join(n.state for n in services.app.recorder.select_notifications(start=0, limit=100_000))
    assert "Zébulon".encode() not in raw and b"Canari" not in raw


def test_other_roles_are_not_recorded_and_may_not_open_the_audit_pages(signed_in, services, decided_offer) -> None:
    before = len(access_events(services))
    for role in ("advisor", "compliance", "admin"):
        client = signed_in(role)
        for page in ("/audit/historique", f"/audit/historique/{decided_offer['offer_id']}",
                     f"/audit/offres/{decided_offer['offer_id']}"):
            assert client.get(page).status_code == 403, (role, page)
    assert len(access_events(services)) == before


def post_routes(client: Any) -> list[str]:
    paths = []
    for route in client.app.routes:
        if "POST" in getattr(route, "methods", ()):
            paths.append(re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000001", route.path))
    return paths


def test_the_auditor_has_no_write_access_anywhere(auditor, services) -> None:
    """Every POST route of the app, as an auditor, answers 403 and writes nothing.

    Signing in and out are the only POSTs an auditor may make: they change no record.
    """
    routes = [p for p in post_routes(auditor) if p not in ("/connexion", "/deconnexion")]
    assert len(routes) >= 10
    before = recorded_changes(services)
    for path in routes:
        response = post(auditor, path, {"reason": "autre", "reason_text": "x"})
        assert response.status_code == 403, (path, response.status_code)
        htmx = post(auditor, path, {}, htmx=True)
        assert htmx.status_code == 403, path
    assert recorded_changes(services) == before


def test_free_text_and_model_output_on_the_timeline_are_escaped_inside_hx_disable(auditor, decided_offer) -> None:
    page = auditor.get(f"/audit/historique/{decided_offer['offer_id']}").text
    events = page.split('<section id="evenements"', 1)[1].split('<div class="timeline-page"', 1)[1]
    assert events.split(">", 1)[0].rstrip().endswith("hx-disable")
    events = events.split("</ol>", 1)[0]  # the page's events, all inside that element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in events and SCRIPT not in page
    assert "Sortie enregistrée" in events  # the recorded output sits in the same hx-disable element


@pytest.mark.parametrize("query", ["du=0001-01-01", "au=9999-12-31", "du=0001-01-01&au=9999-12-31"])
def test_a_period_at_the_ends_of_the_calendar_answers_a_french_400(auditor, query) -> None:
    response = auditor.get(f"/audit/historique?{query}")
    assert response.status_code == 400, query
    assert "doit être comprise entre 2000 et 2100." in unescape(response.text)
