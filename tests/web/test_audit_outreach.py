"""The auditor's outreach page: approval, then each SMS reply beside the AI's reading and the correction."""
from __future__ import annotations

import re
from typing import Any

import pytest

from application.values import Reason
from tests.integration.helpers import compliance
from tests.web.conftest import HTMX, post
from tests.web.test_audit_history import access_events
from tests.web.test_outreach_pages import INJECTED, PHONE, inert, start


@pytest.fixture
def auditor(signed_in: Any) -> Any:
    return signed_in("auditor", username="odile")


def corrected_outreach(advisor: Any, services: Any, clock: Any) -> dict[str, str]:
    """One person answered "bof" (an unsure reading) and the advisor corrected it with a note."""
    offer, person, location = start(advisor, services)
    services.app.run_outreach_tick()
    clock.advance(minutes=2)
    post(advisor, "/simulateur/repondre", {"phone": PHONE, "body": "bof"})
    suggestion = re.search(r'name="suggestion_id" value="([^"]+)"', advisor.get(location).text).group(1)
    outreach = location.rsplit("/", 1)[1]
    clock.advance(seconds=20)
    corrected = post(advisor, f"/conseiller/sms/{outreach}/{person}/lecture",
                     {"suggestion_id": suggestion, "intent": "interested", "needs": ["transport"], "note": "Rappelée"})
    assert corrected.status_code == 303
    return {"offer": offer, "person": person, "outreach": outreach, "suggestion": suggestion}


def test_the_auditor_sees_the_approval_then_each_reply_beside_its_reading_and_correction(
    advisor, auditor, services, clock
) -> None:
    ids = corrected_outreach(advisor, services, clock)
    page = auditor.get(f"/audit/relances/{ids['outreach']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    approval = page.text.split('id="approbation"', 1)[1].split("</section>", 1)[0]
    assert "Approuvée par alice" in approval and "1 destinataire" in approval and "STOP" in approval
    row = page.text.split(f'id="r-{ids["suggestion"]}"', 1)[1].split("</tr>", 1)[0]
    assert "bof" in row and "Premier message" in row
    assert "Pas clair" in row and "Lecture peu sûre" in row
    # The confidence reads as a percentage, the very one the advisor's page shows.
    shown = re.search(r"Confiance : (\d{1,3} %)</p>", row).group(1)
    assert f"confiance {shown}" in advisor.get(f"/conseiller/sms/{ids['outreach']}").text
    assert "offline-rules/1" in row and "Empreinte de l'entrée" in row
    correction = row.split('class="correction"', 1)[1]
    assert "Corrigée : Intéressé·e" in correction and "Transport" in correction and "Rappelée" in correction
    assert "alice" in correction and "20 s après la lecture" in correction
    assert "Martin Camille" in page.text  # the name, decrypted while the key exists
    (recorded,) = [e for e in access_events(services) if e.path == f"/audit/relances/{ids['outreach']}"]
    assert recorded.provenance.actor_role == "auditor"


def test_the_timeline_and_the_history_results_link_to_it(advisor, auditor, services, clock) -> None:
    ids = corrected_outreach(advisor, services, clock)
    link = f'href="/audit/relances/{ids["outreach"]}"'
    assert link in auditor.get(f"/audit/historique/{ids['outreach']}").text
    assert link in auditor.get(f"/audit/historique?dossier={ids['outreach']}", headers=HTMX).text
    assert link not in auditor.get(f"/audit/historique/{ids['offer']}").text


def test_other_roles_may_not_open_it_and_other_ids_are_not_found(advisor, auditor, signed_in, services, clock) -> None:
    ids = corrected_outreach(advisor, services, clock)
    for client in (advisor, signed_in("compliance"), signed_in("admin")):
        assert client.get(f"/audit/relances/{ids['outreach']}").status_code == 403
    assert auditor.get(f"/audit/relances/{ids['offer']}").status_code == 404
    assert auditor.get("/audit/relances/00000000-0000-0000-0000-000000000000").status_code == 404
    assert auditor.get("/audit/relances/pas-un-id").status_code == 404


def test_a_reply_with_markup_stays_inert_inside_hx_disable(advisor, auditor, services) -> None:
    _, _, location = start(advisor, services)
    services.app.run_outreach_tick()
    post(advisor, "/simulateur/repondre", {"phone": PHONE, "body": INJECTED})
    page = auditor.get(f"/audit/relances/{location.rsplit('/', 1)[1]}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    outside, active = inert(page)
    assert outside == [] and active == []


def test_once_erased_the_person_and_their_words_read_erased(advisor, auditor, services, clock) -> None:
    ids = corrected_outreach(advisor, services, clock)
    from uuid import UUID

    services.app.erase_candidate(UUID(ids["person"]), Reason("demande_rgpd"), "personne", compliance())
    page = auditor.get(f"/audit/relances/{ids['outreach']}").text
    heading = page.split(f'id="p-{ids["person"]}"', 1)[1].split("</h2>", 1)[0]
    assert heading.rstrip().endswith("[effacé]</a>") and "Martin" not in page
    assert "bof" not in page.split('class="reply-text"', 1)[1].split("</blockquote>", 1)[0]
    assert "Rappelée" not in page


def test_the_outreachs_state_names_every_field_in_french_beside_its_path(advisor, auditor, services, clock) -> None:
    ids = corrected_outreach(advisor, services, clock)
    page = auditor.get(f"/audit/historique/{ids['outreach']}").text
    state = page.split('id="state"', 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th scope="row">(.*?)</th>', state, re.S)
    assert headers and all("<br><small><code>" in header for header in headers)  # none is a bare path
    assert re.search(r"Messages › rl-[0-9a-f]{5}… › État<br><small><code>messages\.rl-[0-9a-f]{32}\.status", state)
    assert re.search(r"messages\.rl-[0-9a-f]{32}\.status</code></small></th><td>[a-zé ]+ \((sent|delivered|queued)\)",
                     state)
