"""Steps the browser journeys share."""
from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def open_offer_with_suggestions(page: Page, username: str, at_least: int) -> list[Locator]:
    """As a signed-in advisor: ask each of the agency's demo offers for a shortlist on broad criteria,
    and stay on the first one with `at_least` suggestions no one has decided on yet; returns those,
    each pinned by its id. Browser tests share one demo server, and earlier ones decide on some."""
    page.goto("/conseiller/offres")  # the advisor's own agency's offers
    offers = [a.get_attribute("href") for a in page.locator("table tbody a").all()]
    rows = page.locator("#preselection li.suggestion")
    for offer in offers:
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
        # The section htmx replaces is marked first: an earlier shortlist of this advisor on this offer
        # already names them, and its rows' ids would be pinned just before the swap removed them.
        page.locator("#preselection").evaluate("section => section.dataset.replaced = 'soon'")
        criteria.get_by_role("button", name="Demander une présélection").click()
        expect(page.locator("#preselection:not([data-replaced]) .shortlist-summary")).to_contain_text(username)
        undecided = [row.get_attribute("id") for row in rows.all() if row.get_by_role("button", name="Rejeter").count()]
        if len(undecided) >= at_least:
            return [page.locator(f"#{row_id}") for row_id in undecided]
    raise AssertionError(f"no demo offer of this agency has {at_least} undecided suggestions")
