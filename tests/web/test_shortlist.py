"""The offer's "Présélection": ask for a shortlist, accept or reject suggestions, add someone by hand."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from application.values import MANUAL_ADDITION_REASONS, REJECTION_REASONS
from infrastructure.bootstrap import bootstrap
from infrastructure.offline_ranker import Bm25CandidateRanker
from tests.web.conftest import (
    OTHER_AGENCY,
    candidate_form,
    created_id,
    field_error,
    make_settings,
    offer_form,
    post,
)
from web.errors import ALREADY_DECIDED
from web.labels import MANUAL_ADDITION_REASON_LABELS, REJECTION_REASON_LABELS

SCRIPT = "<script>alert('relais')</script>"
SUGGESTION = re.compile(r'id="s-([0-9a-f-]{36})"')


class ScriptRanker:
    """The offline ranking, with a rationale a hostile or confused model might write."""

    def __init__(self) -> None:
        self.inner = Bm25CandidateRanker()

    def rank(self, query: Any, pool: Any, limit: int) -> Any:
        result = self.inner.rank(query, pool, limit)
        return replace(result, ranked=tuple(replace(r, rationale=SCRIPT + " Bon profil.") for r in result.ranked))


class DownRanker:
    def rank(self, query: Any, pool: Any, limit: int) -> Any:
        from application.ranking import RankingFailedError

        raise RankingFailedError("timeout", "no answer in 10 s")


@pytest.fixture
def ranker() -> Any:
    return None  # the offline ranker (parametrize `ranker` to change it)


@pytest.fixture
def services(tmp_path: Path, clock: Any, fast_passwords: Any, ranker: Any) -> Any:
    built = bootstrap(make_settings(tmp_path), clock=clock, passwords=fast_passwords, ranker=ranker)
    yield built
    built.close()


def register(client: Any, last_name: str, phone: str, **changes: str) -> str:
    response = post(client, "/conseiller/demandeurs/nouveau",
                    candidate_form(last_name=last_name, phone=phone, **changes))
    assert response.status_code == 303, response.text
    return created_id(response)


def publish(client: Any) -> str:
    response = post(client, "/conseiller/offres/nouvelle", offer_form())
    assert response.status_code == 303, response.text
    return created_id(response)


def criteria(**changes: str) -> dict[str, str]:
    values = {
        "rome_code": "K2204",
        "required_skills": "nettoyage de locaux",
        "optional_skills": "tri des déchets",
        "commune": "Lyon",
        "max_distance_km": "30",
        "contract_type": "",
        "hours_per_week": "35",
        "available_by": "2026-12-15",
        "salary_min": "",
        "salary_max": "",
        "limit": "20",
    }
    values.update(changes)
    return values


@pytest.fixture
def offer(advisor: Any) -> str:
    """An offer in Lyon and three job seekers of the same agency who fit it."""
    register(advisor, "Arnaud", "06 11 11 11 11")
    register(advisor, "Bernard", "06 22 22 22 22", skills="nettoyage de locaux")
    register(advisor, "Chevalier", "06 33 33 33 33", commune="Lyon", mobility_km="5")
    return publish(advisor)


def url(offer_id: str, tail: str = "") -> str:
    return f"/conseiller/offres/{offer_id}/preselection{tail}"


def ask(client: Any, offer_id: str, htmx: bool = False, **changes: str) -> Any:
    return post(client, url(offer_id), criteria(**changes), htmx=htmx)


def suggestions(html: str) -> list[str]:
    return SUGGESTION.findall(html)


def events(services: Any, kind: str) -> int:
    recorder = services.app.recorder
    return sum(1 for n in recorder.select_notifications(start=0, limit=10_000) if n.topic.endswith(f".{kind}"))


def test_the_offer_page_shows_a_criteria_form_prefilled_from_the_offer(advisor: Any, offer: str) -> None:
    page = advisor.get(f"/conseiller/offres/{offer}")
    assert page.status_code == 200
    assert "Présélection" in page.text
    assert re.search(r'id="f-rome_code"[^>]*value="K2204"|value="K2204"[^>]*id="f-rome_code"', page.text)
    assert 'value="Lyon"' in page.text and 'value="2026-12-28"' in page.text  # today + 4 weeks
    assert 'value="20"' in page.text  # N max, 20 by default
    assert "Aucune présélection n'a encore été demandée" in page.text


def test_with_htmx_the_shortlist_fragment_alone_comes_back_best_first(advisor: Any, offer: str) -> None:
    response = ask(advisor, offer, htmx=True)
    assert response.status_code == 200, response.text
    html = response.text
    assert html.lstrip().startswith('<section id="preselection"')
    assert "<html" not in html
    assert len(suggestions(html)) == 3
    ranks = [int(r) for r in re.findall(r"<strong>(\d+)\.</strong>", html)]
    assert ranks == [1, 2, 3]
    assert "Compétence : nettoyage de locaux" in html  # criteria met, in French
    assert "Atout absent : tri des déchets" in html  # and missed
    assert "dans le rayon de mobilité de la personne" in html
    assert "offline-bm25" in html  # the model name
    assert "Accepter" in html and "Rejeter" in html
    for code in REJECTION_REASONS:
        assert f'<option value="{code}">{REJECTION_REASON_LABELS[code]}</option>' in html.replace("&#39;", "'")


def test_each_criterion_says_whose_value_and_limit_it_is_with_french_days_and_decimal_commas(
    advisor: Any, offer: str
) -> None:
    html = ask(advisor, offer, htmx=True, max_distance_km="10").text
    (chevalier,) = [row for row in html.split('<li id="s-')[1:] if "Camille Chevalier</a>" in row]  # in Lyon
    assert ("Dans la commune de la recherche (Lyon), dans le rayon de mobilité de la personne "
            "(5 km, moins que les 10 km demandés)") in chevalier
    assert "Disponible dès le 01/12/2026 (disponibilité demandée au plus tard le 15/12/2026)" in chevalier
    assert "Durée demandée : 35 h par semaine (la personne n&#39;a pas de maximum)" in chevalier
    # Villeurbanne is within the 10 km asked, shorter than the 15 km the person would travel.
    assert re.search(r"À \d+,\d km de Lyon, dans les 10 km demandés \(et dans le rayon de mobilité de la personne\)",
                     html)
    assert re.search(r"· score \d+,\d\d</small>", html) and not re.search(r"· score \d+\.\d", html)
    listed = html.split('id="s-', 1)[1]  # below the criteria form, whose date field holds 2026-12-15
    assert "rayon de mobilité retenu" not in listed and "demandé : le" not in listed and "2026-12-" not in listed


def test_a_shortlist_of_one_eligible_person_is_summed_up_in_the_singular(advisor: Any) -> None:
    register(advisor, "Arnaud", "06 11 11 11 11")
    html = ask(advisor, publish(advisor), htmx=True).text
    assert "1 personne sur 1 de l'agence remplit les critères obligatoires, 1 suggérée." in " ".join(html.split())


def test_without_javascript_the_request_redirects_to_the_offer_page(advisor: Any, offer: str) -> None:
    response = ask(advisor, offer)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/conseiller/offres/{offer}")
    page = advisor.get(response.headers["location"])
    assert "<html" in page.text and len(suggestions(page.text)) == 3
    assert page.headers["cache-control"] == "no-store"


def test_impossible_criteria_are_shown_beside_their_fields_and_nothing_is_written(
    advisor: Any, offer: str, services: Any
) -> None:
    before = services.app.recorder.max_notification_id()
    response = ask(advisor, offer, htmx=True, rome_code="ZZ", max_distance_km="900", salary_min="30000",
                   salary_max="20000", limit="0", available_by="demain")
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="preselection"')
    assert "Code ROME invalide" in field_error(response.text, "rome_code")
    assert "0 à 500" in field_error(response.text, "max_distance_km")
    assert "supérieur ou égal" in field_error(response.text, "salary_max")
    assert "1 à 100" in field_error(response.text, "limit")
    assert "date valide" in field_error(response.text, "available_by")
    unknown = ask(advisor, offer, commune="Atlantide")
    assert unknown.status_code == 422 and field_error(unknown.text, "commune") == "Commune inconnue."
    assert "<html" in unknown.text  # without JavaScript: the whole page, with the errors
    assert services.app.recorder.max_notification_id() == before
    assert events(services, "MatchRequested") == 0


def test_accepting_twice_answers_409_and_records_one_event(advisor: Any, offer: str, services: Any) -> None:
    first = suggestions(ask(advisor, offer, htmx=True).text)[0]
    accepted = post(advisor, url(offer, f"/{first}/accepter"), htmx=True)
    assert accepted.status_code == 200, accepted.text
    assert accepted.text.lstrip().startswith(f'<li id="s-{first}"')
    assert "Acceptée" in accepted.text and "alice" in accepted.text
    assert 'id="retenus"' in accepted.text and 'hx-swap-oob="true"' in accepted.text  # the kept list follows

    again = post(advisor, url(offer, f"/{first}/accepter"), htmx=True)
    assert again.status_code == 409
    assert ALREADY_DECIDED in again.text
    assert again.text.lstrip().startswith(f'<li id="s-{first}"')  # shown in place, in the row
    plain = post(advisor, url(offer, f"/{first}/accepter"))
    assert plain.status_code == 409 and ALREADY_DECIDED in plain.text
    assert events(services, "SuggestionAccepted") == 1


def test_accepting_without_javascript_redirects_and_lists_the_person_as_kept(advisor: Any, offer: str) -> None:
    first = suggestions(ask(advisor, offer, htmx=True).text)[0]
    response = post(advisor, url(offer, f"/{first}/accepter"))
    assert response.status_code == 303
    page = advisor.get(f"/conseiller/offres/{offer}").text
    kept = page.split('id="retenus"', 1)[1]
    assert "Retenus pour la prise de contact" in kept and "acceptée le" in kept


def test_rejecting_needs_a_reason_from_the_list(advisor: Any, offer: str, services: Any) -> None:
    first = suggestions(ask(advisor, offer, htmx=True).text)[0]
    missing = post(advisor, url(offer, f"/{first}/rejeter"), {"reason": "", "reason_text": ""}, htmx=True)
    assert missing.status_code == 422
    assert "Choisissez un motif de rejet" in missing.text
    other = post(advisor, url(offer, f"/{first}/rejeter"), {"reason": "autre", "reason_text": ""}, htmx=True)
    assert other.status_code == 422 and "Précisez le motif." in other.text
    unknown = post(advisor, url(offer, f"/{first}/rejeter"), {"reason": "pas_dans_la_liste"})
    assert unknown.status_code == 422
    assert events(services, "SuggestionRejected") == 0


def test_a_rejection_is_recorded_with_its_reason(advisor: Any, offer: str, services: Any) -> None:
    first = suggestions(ask(advisor, offer, htmx=True).text)[0]
    response = post(advisor, url(offer, f"/{first}/rejeter"),
                    {"reason": "mobilite", "reason_text": "Pas de voiture <b>le matin</b>"}, htmx=True)
    assert response.status_code == 200, response.text
    assert "Rejetée" in response.text and "Mobilité" in response.text
    assert "Pas de voiture &lt;b&gt;le matin&lt;/b&gt;" in response.text
    assert events(services, "SuggestionRejected") == 1
    with services.database.read() as tx:
        row = tx.fetchone("SELECT decision, reason_code FROM rm_suggestions WHERE suggestion_id = ?", (first,))
    assert (row["decision"], row["reason_code"]) == ("rejected", "mobilite")
    assert post(advisor, url(offer, f"/{first}/accepter"), htmx=True).status_code == 409


def test_another_agency_cannot_see_nor_decide(advisor: Any, offer: str, signed_in: Any) -> None:
    first = suggestions(ask(advisor, offer, htmx=True).text)[0]
    stranger = signed_in("advisor", OTHER_AGENCY, "bob")
    assert post(stranger, url(offer), criteria()).status_code == 403
    assert post(stranger, url(offer, f"/{first}/accepter")).status_code == 403
    assert post(stranger, url(offer, f"/{first}/rejeter"), {"reason": "mobilite"}).status_code == 403
    assert stranger.get(f"/conseiller/offres/{offer}").status_code == 403


def test_an_unknown_suggestion_is_a_404(advisor: Any, offer: str, services: Any) -> None:
    ask(advisor, offer)
    before = services.app.recorder.max_notification_id()
    assert post(advisor, url(offer, "/8d9e8a8e-0000-4000-8000-000000000000/accepter")).status_code == 404
    assert post(advisor, url(offer, "/pas-un-id/accepter")).status_code == 404
    response = post(advisor, url(offer, "/8d9e8a8e-0000-4000-8000-000000000000/rejeter"),
                    {"reason": "mobilite"}, htmx=True)
    assert response.status_code == 404
    assert services.app.recorder.max_notification_id() == before


def test_a_new_request_replaces_the_shortlist_shown(advisor: Any, offer: str, services: Any) -> None:
    earlier = suggestions(ask(advisor, offer, htmx=True).text)
    post(advisor, url(offer, f"/{earlier[0]}/accepter"))
    narrower = ask(advisor, offer, htmx=True, commune="Lyon", max_distance_km="0", limit="1")
    assert narrower.status_code == 200
    now = suggestions(narrower.text)
    assert len(now) <= 1 and not set(now) & set(earlier)
    assert 'value="1"' in narrower.text  # the new criteria are kept in the form
    superseded = post(advisor, url(offer, f"/{earlier[1]}/accepter"))
    assert superseded.status_code == 409 and "remplacée" in superseded.text
    assert events(services, "MatchRequested") == 2


def test_a_job_seeker_can_be_added_by_hand_with_a_reason(advisor: Any, offer: str, services: Any) -> None:
    outsider = register(advisor, "Dupont", "06 44 44 44 44", rome_codes="G1602", skills="cuisine",
                        available_from="2027-06-01")
    ask(advisor, offer)
    page = advisor.get(f"/conseiller/offres/{offer}").text
    assert outsider not in suggestions(page) and f'<option value="{outsider}"' in page
    for code in MANUAL_ADDITION_REASONS:
        assert MANUAL_ADDITION_REASON_LABELS[code].replace("'", "&#39;") in page
    no_reason = post(advisor, url(offer, "/ajout"), {"candidate_id": outsider, "reason": ""}, htmx=True)
    assert no_reason.status_code == 422 and "motif d&#39;ajout" in no_reason.text
    added = post(advisor, url(offer, "/ajout"),
                 {"candidate_id": outsider, "reason": "connu_du_conseiller", "reason_text": ""}, htmx=True)
    assert added.status_code == 200, added.text
    kept = added.text.split('id="retenus"', 1)[1]
    assert "Dupont" in kept and "Personne connue du conseiller" in kept
    twice = post(advisor, url(offer, "/ajout"), {"candidate_id": outsider, "reason": "connu_du_conseiller"})
    assert twice.status_code == 409
    assert events(services, "CandidateAddedManually") == 1


@pytest.mark.parametrize("ranker", [ScriptRanker()])
def test_model_text_is_escaped_and_kept_out_of_htmx(advisor: Any, offer: str) -> None:
    html = ask(advisor, offer, htmx=True).text
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html
    assert re.search(r'<blockquote class="free-text rationale" hx-disable>&lt;script&gt;', html)


@pytest.mark.parametrize("ranker", [DownRanker()])
def test_when_the_model_fails_the_offline_ranking_is_used_and_said(advisor: Any, offer: str) -> None:
    html = ask(advisor, offer, htmx=True).text
    assert len(suggestions(html)) == 3
    assert "L'IA n'a pas répondu correctement : classement hors ligne utilisé (motif" in html
    assert "délai de réponse dépassé" in html


def test_every_matching_code_has_a_french_label() -> None:
    from application.values import ACCEPTANCE_REASONS
    from web.labels import ACCEPTANCE_REASON_LABELS

    assert set(REJECTION_REASONS) <= set(REJECTION_REASON_LABELS)
    assert set(ACCEPTANCE_REASONS) <= set(ACCEPTANCE_REASON_LABELS)
    assert set(MANUAL_ADDITION_REASONS) <= set(MANUAL_ADDITION_REASON_LABELS)


def test_an_administrator_switches_the_ai_off_and_advisors_can_no_longer_ask_for_suggestions(
    advisor: Any, offer: str, signed_in: Any, services: Any
) -> None:
    admin = signed_in("admin", "")
    page = admin.get("/admin/ia")
    assert page.status_code == 200 and "IA activée" in page.text
    assert post(admin, "/admin/ia", {"enabled": "off", "reason": ""}).status_code == 422  # a reason is required
    switched = post(admin, "/admin/ia", {"enabled": "off", "reason": "incident", "reason_text": "scores aberrants"})
    assert switched.status_code == 303
    assert "IA désactivée" in admin.get("/admin/ia").text
    assert advisor.get("/admin/ia").status_code == 403  # only administrators hold the switch

    before = events(services, "MatchRequested")
    refused = ask(advisor, offer, htmx=True)
    assert refused.status_code == 409
    assert "désactivée par un administrateur" in refused.text
    assert events(services, "MatchRequested") == before

    assert post(admin, "/admin/ia", {"enabled": "on", "reason": "incident"}).status_code == 303
    assert ask(advisor, offer, htmx=True).status_code == 200
