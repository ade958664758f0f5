"""The auditors' oversight figures page: auditors only, filters in the address, bad filters refused in
French with a 400, tables beside accessible SVG charts, no script needed."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from application.caller import Caller
from application.candidates import CandidateDetails
from application.values import MatchCriteria, Reason
from infrastructure.bootstrap import Services
from tests.web.conftest import AGENCY, HTMX

URL = "/audit/indicateurs"


def some_decisions(services: Services) -> None:
    advisor = Caller("advisor-1", "advisor", AGENCY, "req-1")
    for n, sex in enumerate("FFFMMM"):
        services.app.register_candidate(CandidateDetails(
            f"P{n}", "Martin", f"06123456{n:02d}", "Lyon", ("K2204",), ("nettoyage",), date(2026, 12, 1), 20,
            sex=sex, priority_area="yes" if n == 0 else "no", birth_date="1990"), True, advisor)
    from tests.integration.helpers import terms
    offer = services.app.publish_offer(terms(), advisor)
    services.app.request_shortlist(offer, MatchCriteria("K2204", "Lyon", date(2026, 12, 15)), advisor)
    view = services.shortlists.current(advisor, offer)
    for s in view.suggestions[:3]:
        services.app.accept_suggestion(offer, UUID(s.suggestion_id), None, advisor)
    services.app.reject_suggestion(offer, UUID(view.suggestions[3].suggestion_id), Reason("mobilite"), advisor)


@pytest.fixture
def auditor(signed_in: Callable[..., TestClient[Any]]) -> TestClient[Any]:
    return signed_in("auditor", "")


def test_an_auditor_sees_counts_times_and_representativeness_as_tables_and_charts(
    services: Services, auditor: TestClient[Any]
) -> None:
    some_decisions(services)
    response = auditor.get(URL)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert re.search(r"<th scope=\"row\">Suggestions produites</th><td>6</td>", html)
    assert re.search(r"<th scope=\"row\">Acceptées</th><td>3</td>", html)
    assert re.search(r"<th scope=\"row\">Refusées</th><td>1</td>", html)
    assert "25,0 %" in html  # override rate: 1 rejection of 4 decisions
    assert "Femmes" in html and "Réside en QPV" in html and "26 à 44 ans" in html
    charts = re.findall(r"<svg [^>]*role=\"img\"[^>]*aria-labelledby=\"([^\"]+)\"", html)
    assert len(charts) == 3 + 2 * 4  # decisions, times, readings, and one per dimension for each selection
    for ids in charts:
        for element_id in ids.split():
            assert f'id="{element_id}"' in html  # every chart has its title and text alternative
    assert "<script" not in html.split("</head>")[1]  # nothing needs a script


def replies_read_and_one_corrected(services: Services, clock: Any) -> None:
    """Two people contacted by SMS answer; the advisor changes the low-confidence reading of "Bof"."""
    from tests.integration.test_outreach import answer, start
    outreach_id, (_, second), phones = start(services, people=2)
    services.app.run_outreach_tick()
    answer(services, phones[0], "Oui je suis intéressée")
    answer(services, phones[1], "Bof")
    clock.advance(seconds=30)
    conversation = next(c for c in services.outreach.get(Caller("advisor-lyon", "advisor", AGENCY, "r"), outreach_id)
                        .conversations if c.candidate_id == str(second))
    reading = next(m for m in conversation.messages if m.direction == "in")
    services.app.correct_reading(outreach_id, second, UUID(reading.suggestion_id), "not_interested", (), "",
                                 Caller("advisor-lyon", "advisor", AGENCY, "req-2"))


def test_the_ai_readings_of_sms_replies_and_their_corrections_are_shown_and_filtered(
    services: Services, auditor: TestClient[Any], clock: Any
) -> None:
    some_decisions(services)
    replies_read_and_one_corrected(services, clock)
    html = auditor.get(URL).text
    cells = r"</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
    assert re.search(r"Toutes les lectures" + cells.format(2, 1, "50,0 %", 0), html)
    assert re.search(r"Confiance faible \(moins de 60 %\)" + cells.format(1, 1, "100,0 %", 0), html)
    assert re.search(r"Autres lectures" + cells.format(1, 0, "0,0 %", 0), html)
    assert re.search(r"offline-rules/1" + cells.format(2, 1, "50,0 %", 0), html)
    assert 'id="chart-readings"' in html and "Taux de correction des lectures" in html
    # The people contacted by SMS, beside the shortlisted, against the same pool.
    assert "Personnes contactées par SMS" in html
    assert re.search(r"<th scope=\"col\">Contactés</th>", html)
    # Filters: the advisor who approved the outreach, the model that read the replies.
    assert re.search(r"Toutes les lectures" + cells.format(2, 1, "50,0 %", 0),
                     auditor.get(URL, params={"conseiller": "advisor-lyon", "modele": "offline-rules/1"}).text)
    html = auditor.get(URL, params={"conseiller": "advisor-1"}).text
    assert re.search(r"Toutes les lectures" + cells.format(0, 0, "—", 0), html)
    assert "Aucune réponse SMS lue par l'IA pour ces filtres." in html


def test_counts_of_zero_and_one_take_the_singular_in_the_charts_text_alternatives(
    services: Services, auditor: TestClient[Any], clock: Any
) -> None:
    some_decisions(services)
    replies_read_and_one_corrected(services, clock)
    html = auditor.get(URL).text
    assert "Toutes les lectures : 1 lecture corrigée sur 2" in html
    assert "Autres lectures : 0 lecture corrigée sur 1" in html
    assert "moins de 5 s : 4 décisions; 5 à 15 s : 0 décision;" in html
    assert "lectures corrigées sur" not in html and " 0 décisions" not in html


class TestSettingsOfOne:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RELAIS_FIGURES_GAP_POINTS": "1", "RELAIS_FIGURES_MIN_SELECTED": "1", "RELAIS_FIGURES_LONG_LIST": "1"}

    def test_thresholds_of_one_are_worded_in_the_singular(self, auditor: TestClient[Any]) -> None:
        html = auditor.get(URL).text
        assert "Décisions sur des listes de 1 suggestion ou plus" in html
        assert ("Un écart est signalé à partir de 1 point, lorsqu'au moins 1 personne retenue (ou contactée) a "
                "une valeur renseignée.") in html


def test_the_page_is_for_auditors_only(signed_in: Callable[..., TestClient[Any]]) -> None:
    assert signed_in("advisor").get(URL).status_code == 403
    assert signed_in("admin", "").get(URL).status_code == 403


def test_filters_narrow_the_figures_and_are_kept_in_the_form(services: Services, auditor: TestClient[Any]) -> None:
    some_decisions(services)
    html = auditor.get(URL, params={"agence": AGENCY, "du": "30/11/2026", "au": "2026-11-30"}).text
    assert re.search(r"Suggestions produites</th><td>6</td>", html)
    assert '<option value="lyon-est" selected>' in html
    html = auditor.get(URL, params={"du": "01/12/2026"}).text
    assert re.search(r"Suggestions produites</th><td>0</td>", html)
    fragment = auditor.get(URL, params={"agence": AGENCY}, headers=HTMX)
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="figures">')


@pytest.mark.parametrize(("params", "message"), [
    ({"du": "31/02/2026"}, "La date de début n&#39;est pas une date valide"),
    ({"du": "2026-12-02", "au": "2026-12-01"}, "La date de fin doit suivre la date de début."),
    ({"agence": "nulle-part"}, "Agence inconnue"),
    ({"modele": "<script>"}, "Modèle inconnu"),
    ({"conseiller": "quelqu-un"}, "Conseiller inconnu"),
])
def test_a_bad_filter_is_refused_with_a_400_and_a_french_message_in_place(
    auditor: TestClient[Any], params: dict[str, str], message: str
) -> None:
    response = auditor.get(URL, params=params)
    assert response.status_code == 400
    assert message in response.text
    assert "Suggestions produites" not in response.text
    assert "<script>" not in response.text


def test_with_no_decision_yet_the_page_shows_dashes_not_zero_rates(auditor: TestClient[Any]) -> None:
    response = auditor.get(URL)
    assert response.status_code == 200
    assert re.search(r"Taux de désaccord avec le modèle</th><td>—</td>", response.text)
    assert re.search(r"Médiane</th><td>—</td>", response.text)
