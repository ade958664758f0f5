"""What auditors see of a commune code recorded before a merger: the code as recorded and today's commune
beside it on the timeline, and the figures by today's commune label (docs/adr/0005, session 5)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from application.caller import Caller
from application.values import MatchCriteria
from infrastructure.bootstrap import Services
from tests.integration.helpers import details, terms
from tests.integration.test_commune_history import registered_in_2015
from tests.web.conftest import AGENCY

ADVISOR = Caller("advisor-1", "advisor", AGENCY, "req-1")
NOTE = "(enregistré avant une fusion de communes ; aujourd'hui : Cherbourg-en-Cotentin (50129))"


@pytest.fixture
def auditor(signed_in: Callable[..., TestClient[Any]]) -> TestClient[Any]:
    return signed_in("auditor", "")


def test_the_timeline_shows_the_recorded_code_and_todays_commune(services: Services, auditor: TestClient[Any]) -> None:
    merged = registered_in_2015(services, 1, AGENCY)
    current = services.app.register_candidate(details(phone="0612000002", commune="Bron"), True, ADVISOR)

    html = auditor.get(f"/audit/historique/{merged}").text
    assert f'<td>50602 <span class="commune-today">{NOTE}</span>' in html  # in the event's fields and in the state
    assert html.count(NOTE) == 2
    assert "commune-today" not in auditor.get(f"/audit/historique/{current}").text  # still current: nothing to add


def test_the_figures_show_communes_by_todays_label(services: Services, auditor: TestClient[Any]) -> None:
    person = registered_in_2015(services, 1, AGENCY)
    services.projections.catch_up()
    offer = services.app.publish_offer(terms(commune="Cherbourg-en-Cotentin"), ADVISOR)
    services.app.request_shortlist(offer, MatchCriteria("K2204", "Cherbourg-en-Cotentin", date(2026, 12, 15)), ADVISOR)
    [suggestion] = services.shortlists.current(ADVISOR, offer).suggestions
    assert UUID(suggestion.candidate_id) == person
    services.app.accept_suggestion(offer, UUID(suggestion.suggestion_id), None, ADVISOR)

    html = auditor.get("/audit/indicateurs").text
    assert "<td>Cherbourg-en-Cotentin</td>" in html or ">Cherbourg-en-Cotentin<" in html
    assert "50602" not in html and "Tourlaville" not in html
