"""In a real browser: a compliance officer finds a person, produces an explanation letter, then erases
the person with the form (errors shown in place first) and reads what was erased where."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import sign_in


def test_a_compliance_officer_produces_a_letter_then_erases_the_person(page: Page, demo_logins):
    username, password = demo_logins["compliance"]
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conformite$"))

    page.get_by_role("link", name="Personnes", exact=True).first.click()
    first = page.locator("#resultats table tbody th a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)

    page.get_by_role("button", name="Produire une lettre d'explication").click()
    expect(page).to_have_url(re.compile(r"/conformite/lettres/[0-9a-f-]{36}$"))
    letter = page.locator("article.letter")
    expect(letter).to_contain_text("Vos droits et comment demander un réexamen humain")
    expect(letter).to_contain_text("R311-3-1-2")
    expect(page.get_by_role("button", name="Télécharger en PDF")).to_be_visible()

    page.get_by_role("link", name="La personne").click()
    expect(page.locator("main")).to_contain_text("Lettre du")
    page.get_by_role("button", name="Effacer les données de cette personne…").click()
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.locator("#erase-form .form-errors")).to_contain_text("Choisissez un motif")  # swapped in place
    page.get_by_label("Motif").select_option("demande_rgpd")
    page.get_by_label("Demandé par").select_option("personne")
    page.get_by_label("Référence de la demande").fill("courriel du 28/11")
    page.get_by_label("Je confirme l'effacement définitif").check()
    page.get_by_role("button", name="Effacer définitivement").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Données effacées")
    expect(page.locator("main")).to_contain_text("La personne concernée")
    expect(page.locator("main")).to_contain_text("courriel du 28/11")
    expect(page.locator("main")).not_to_contain_text("encore en clair")
    page.get_by_role("link", name="[effacé] [effacé]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("[effacé] [effacé]")
