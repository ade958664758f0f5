"""Each role reaches only its own pages; advisors see only their agency."""
from __future__ import annotations

from uuid import UUID

import pytest

from application.caller import Caller

from tests.web.conftest import HTMX, OTHER_AGENCY, candidate_form, created_id, offer_form, post, recorded_changes

PAGES = {
    "advisor": ["/conseiller", "/conseiller/demandeurs", "/conseiller/demandeurs/nouveau", "/conseiller/offres",
                "/conseiller/offres/nouvelle"],
    "auditor": ["/audit"],
    "compliance": ["/conformite", "/conformite/personnes", "/conformite/conservation"],
    "admin": ["/admin/comptes", "/admin/comptes/nouveau"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_each_role_reaches_its_pages_and_gets_a_french_403_elsewhere(signed_in, role) -> None:
    client = signed_in(role)
    for page in PAGES[role]:
        assert client.get(page).status_code == 200, page
    for other, pages in PAGES.items():
        if other == role:
            continue
        for page in pages:
            response = client.get(page)
            assert response.status_code == 403, (role, page)
            assert response.headers["content-type"].startswith("text/html")
            assert "Accès refusé" in response.text
            assert '<html lang="fr">' in response.text


@pytest.mark.parametrize("role", ["auditor", "compliance", "admin"])
def test_other_roles_cannot_post_advisor_commands(signed_in, services, role) -> None:
    client = signed_in(role)
    before = recorded_changes(services)
    response = post(client, "/conseiller/demandeurs/nouveau", candidate_form())
    assert response.status_code == 403
    assert recorded_changes(services) == before


def test_a_forbidden_htmx_request_gets_the_403_fragment_alone(signed_in) -> None:
    response = signed_in("auditor").get("/conseiller/demandeurs", headers=HTMX)
    assert response.status_code == 403
    assert "<html" not in response.text and "Accès refusé" in response.text


def test_the_audit_home_links_every_audit_page(signed_in) -> None:
    text = signed_in("auditor").get("/audit").text
    for page in ("/audit/historique", "/audit/indicateurs", "/audit/integrite"):
        assert f'href="{page}"' in text and signed_in("auditor").get(page).status_code == 200


def test_the_compliance_home_links_every_compliance_page(signed_in) -> None:
    officer = signed_in("compliance")
    text = officer.get("/conformite").text
    for page in ("/conformite/personnes", "/conformite/conservation", "/conformite/export", "/audit/integrite"):
        assert f'href="{page}"' in text and officer.get(page).status_code == 200


def test_an_advisor_cannot_open_another_agencys_job_seeker_nor_see_them_listed(signed_in) -> None:
    theirs = signed_in("advisor", OTHER_AGENCY)
    created = post(theirs, "/conseiller/demandeurs/nouveau", candidate_form(last_name="Lointain"))
    candidate_id = created_id(created)
    mine = signed_in("advisor")
    assert mine.get(f"/conseiller/demandeurs/{candidate_id}").status_code == 403
    assert mine.get(f"/conseiller/demandeurs/{candidate_id}/modifier").status_code == 403
    listing = mine.get("/conseiller/demandeurs?q=Lointain")
    assert candidate_id not in listing.text and "Aucun demandeur" in listing.text
    assert candidate_id not in mine.get("/conseiller/demandeurs").text
    refused = post(mine, f"/conseiller/demandeurs/{candidate_id}/consentement", {"action": "withdraw", "reason": "stop_sms"})
    assert refused.status_code == 403
    assert "Lointain" in theirs.get(f"/conseiller/demandeurs/{candidate_id}").text


def test_an_advisor_cannot_open_another_agencys_offer_nor_see_it_listed(signed_in) -> None:
    theirs = signed_in("advisor", OTHER_AGENCY)
    offer_id = created_id(post(theirs, "/conseiller/offres/nouvelle", offer_form(title="Poste lointain")))
    mine = signed_in("advisor")
    assert mine.get(f"/conseiller/offres/{offer_id}").status_code == 403
    assert post(mine, f"/conseiller/offres/{offer_id}/cloturer", {"reason": "pourvue"}).status_code == 403
    assert offer_id not in mine.get("/conseiller/offres").text
    assert "Poste lointain" not in mine.get("/conseiller/offres").text


def test_an_administrator_cannot_see_job_seekers(signed_in) -> None:
    advisor = signed_in("advisor")
    candidate_id = created_id(post(advisor, "/conseiller/demandeurs/nouveau", candidate_form()))
    admin = signed_in("admin")
    assert admin.get("/conseiller/demandeurs").status_code == 403
    assert admin.get(f"/conseiller/demandeurs/{candidate_id}").status_code == 403


def test_a_role_change_applies_to_the_open_session_at_once(signed_in, services) -> None:
    client = signed_in("advisor", username="bruno")
    account = services.accounts.credentials("bruno").account
    services.app.assign_role(UUID(account.id), account.version, "auditor", "", Caller.cli("t"))
    assert client.get("/conseiller").status_code == 403
    assert client.get("/audit").status_code == 200
