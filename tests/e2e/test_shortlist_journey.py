"""In a real browser: an advisor asks for a shortlist, rejects one suggestion with a reason, accepts two."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import open_offer_with_suggestions, sign_in


def test_an_advisor_decides_on_a_shortlist_and_finds_the_decisions_after_a_reload(page: Page, demo_logins):
    username, password = demo_logins["advisor"]
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conseiller$"))

    ids = [row.get_attribute("id") for row in open_offer_with_suggestions(page, username, 3)[:3]]
    already = page.locator("#retenus li").count()

    rejected = page.locator(f"#{ids[0]}")
    rejected.get_by_label("Motif du rejet").select_option("mobilite")
    rejected.get_by_label("Précision du rejet").fill("Pas de transport le matin")
    rejected.get_by_role("button", name="Rejeter").click()
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Rejetée")
    for sid in ids[1:]:
        page.locator(f"#{sid}").get_by_role("button", name="Accepter").click()
        expect(page.locator(f"#{sid}")).to_contain_text("Acceptée")
    expect(page.locator("#retenus li")).to_have_count(already + 2)  # updated out of band

    page.reload()
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Rejetée")
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Mobilité")
    expect(page.locator(f"#{ids[0]}")).to_contain_text("Pas de transport le matin")
    for sid in ids[1:]:
        expect(page.locator(f"#{sid}")).to_contain_text("Acceptée")
        expect(page.locator(f"#{sid}").get_by_role("button", name="Accepter")).to_have_count(0)
    expect(page.locator("#retenus")).to_contain_text("Retenus pour la prise de contact")
    expect(page.locator("#retenus li")).to_have_count(already + 2)
