"""In a real browser: an auditor opens the oversight figures, filters them by agency, and reads
each chart's table beside it."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import sign_in


def test_an_auditor_reads_the_figures_and_filters_them_by_agency(page: Page, demo_logins):
    username, password = demo_logins["auditor"]
    sign_in(page, username, password)
    page.get_by_role("link", name="Indicateurs", exact=True).click()
    expect(page.get_by_role("heading", name="Indicateurs de supervision de l'IA")).to_be_visible()
    produced = page.locator("tr", has=page.get_by_role("rowheader", name="Suggestions produites")).locator("td")
    expect(produced).to_have_text(re.compile(r"^[1-9][0-9]*$"))  # the demo decided a few shortlists
    expect(page.get_by_role("img", name=re.compile("Sexe")).first).to_be_visible()
    # The shortlisted, then the people contacted by SMS, against the eligible pool: 4 dimensions each.
    expect(page.get_by_role("table").filter(has_text="vivier éligible")).to_have_count(8)
    expect(page.get_by_role("img", name=re.compile("Taux de correction des lectures"))).to_be_visible()

    page.get_by_label("Agence").select_option("lyon-est")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"agence=lyon-est"))  # swapped by htmx, and the address kept
    expect(page.get_by_label("Agence")).to_have_value("lyon-est")
    expect(produced).to_have_text(re.compile(r"^[0-9]+$"))

    page.get_by_role("textbox", name="Du", exact=True).fill("2030-01-02")
    page.get_by_role("textbox", name="Au", exact=True).fill("2030-01-01")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".form-errors")).to_contain_text("La date de fin doit suivre la date de début.")
