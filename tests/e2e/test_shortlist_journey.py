"""In a real browser: an advisor asks for a shortlist, rejects one suggestion with a reason, accepts two."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_advisor_journey import sign_in


def test_an_advisor_decides_on_a_shortlist_and_finds_the_decisions_after_a_reload(page: Page, demo_logins):
    username, password = demo_logins["advisor"]
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conseiller$"))

    page.goto("/conseiller/offres")  # the advisor's own agency's offers
    offers = [a.get_attribute("href") for a in page.locator("table tbody a").all()]
    rows = page.locator("#preselection li.suggestion")
    for offer in offers:  # the first demo offer with at least three people to suggest
        page.goto(offer)
        expect(page.get_by_role("heading", name="Présélection")).to_be_visible()
        criteria = page.locator("#criteria-form")
        if not criteria.is_visible():
            page.get_by_text("Critères de la présélection").click()
        # Broad criteria, so that the demo agency has people to suggest.
        criteria.get_by_label("Distance maximale (km)").fill("200")
        criteria.get_by_label("Disponible au plus tard le").fill("2030-01-01")
        criteria.get_by_label("Heures par semaine").fill("")
        criteria.get_by_label("Type de contrat").select_option("")
        criteria.get_by_role("button", name="Demander une présélection").click()
        expect(page.locator(".shortlist-summary")).to_contain_text(username)  # swapped in place by htmx
        if rows.count() >= 3:
            break
    assert rows.count() >= 3, "no demo offer of this agency has three suggestions"
    ids = [rows.nth(n).get_attribute("id") for n in range(3)]

    rejected = page.locator(f"#{ids[0]}")
    rejected.get_by_label("Motif du rejet").select_option("mobilite")
    rejected.get_by_label("Précision du rejet").fill("Pas de transport le matin")
    rejected.get_by_role("button", name="Rejeter").click()
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Rejetée")
    for sid in ids[1:]:
        page.locator(f"#{sid}").get_by_role("button", name="Accepter").click()
        expect(page.locator(f"#{sid}")).to_contain_text("Acceptée")
    expect(page.locator("#retenus li")).to_have_count(2)  # updated out of band

    page.reload()
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Rejetée")
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Mobilité")
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Pas de transport le matin")
    for sid in ids[1:]:
        expect(page.locator(f"#{sid}")).to_contain_text("Acceptée")
        expect(page.locator(f"#{sid}").get_by_role("button", name="Accepter")).to_have_count(0)
    expect(page.locator("#retenus")).to_contain_text("Retenus pour la prise de contact")
    expect(page.locator("#retenus li")).to_have_count(2)
