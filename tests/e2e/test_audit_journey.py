"""In a real browser: an advisor decides on a shortlist; an auditor opens the offer's history and sees
each suggestion beside the decision taken on it."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import open_offer_with_suggestions, sign_in


def decide_on_a_shortlist(page: Page, username: str, password: str) -> tuple[str, str]:
    """As the advisor: the first demo offer with two suggestions; reject the first, accept the second."""
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conseiller$"))
    rows = open_offer_with_suggestions(page, username, 2)
    offer_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    first, second = rows[0].get_attribute("id"), rows[1].get_attribute("id")
    rejected = page.locator(f"#{first}")
    rejected.get_by_label("Motif du rejet").select_option("mobilite")
    rejected.get_by_label("Précision du rejet").fill("Pas de bus <le matin>")
    rejected.get_by_role("button", name="Rejeter").click()
    expect(page.locator(f"#{first}")).to_contain_text("Rejetée")
    page.locator(f"#{second}").get_by_role("button", name="Accepter").click()
    expect(page.locator(f"#{second}")).to_contain_text("Acceptée")
    page.get_by_role("button", name="Se déconnecter").click()
    return offer_id, first


def test_an_auditor_opens_an_offers_history_and_sees_suggestion_beside_decision(page: Page, demo_logins):
    advisor_name, advisor_password = demo_logins["advisor"]
    offer_id, rejected_row = decide_on_a_shortlist(page, advisor_name, advisor_password)

    auditor_name, auditor_password = demo_logins["auditor"]
    sign_in(page, auditor_name, auditor_password)
    expect(page).to_have_url(re.compile(r"/audit$"))
    page.get_by_role("link", name="Historique").first.click()
    page.get_by_label("Offre (identifiant)").fill(offer_id)
    page.get_by_role("button", name="Rechercher").click()
    results = page.locator("#resultats")
    expect(results).to_contain_text("Suggestion rejetée")  # swapped in by htmx
    results.get_by_role("link", name="décisions").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Suggestions et décisions")
    row = page.locator(f"tr#{rejected_row}")  # the same suggestion id as on the advisor's page
    expect(row.locator("td.suggestion")).to_contain_text("Score")
    expect(row.locator("td.decision")).to_contain_text("Rejetée")
    expect(row.locator("td.decision")).to_contain_text("mobilite")
    expect(row.locator("td.decision")).to_contain_text("Pas de bus <le matin>")  # shown as text, escaped
    expect(row.locator("td.decision")).to_contain_text(advisor_name)
    expect(row.locator("td.decision")).to_contain_text("Délai de décision")
    expect(page.locator("tr.suggestion-beside td.decision", has_text="Acceptée")).to_have_count(1)

    page.get_by_role("link", name="tout l'historique").click()
    expect(page.locator("li.timeline-entry").first).to_contain_text("Offre publiée")
    expect(page.locator("#evenements")).to_contain_text("Sortie enregistrée")
