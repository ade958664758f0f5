"""In a real browser: the commune field suggests communes as one types, and a shared name asks for the department."""
from __future__ import annotations

import random
import re
import uuid

from playwright.sync_api import Locator, Page, expect

from tests.e2e.journeys import sign_in


def settle_suggestions(page: Page, commune: Locator) -> None:
    """Let the typed commune's suggestions arrive and close the browser's suggestion list, so that
    no late htmx swap or open list takes the next keystrokes or the next click."""
    expect(page.locator("#communes.htmx-request")).to_have_count(0)
    commune.press("Escape")


def test_an_advisor_is_offered_communes_as_they_type_and_picks_one_of_several_saint_denis(page: Page, demo_logins):
    username, password = demo_logins["advisor"]
    surname = f"Mésange{uuid.uuid4().hex[:6]}"
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conseiller$"))

    page.goto("/conseiller/demandeurs/nouveau")
    commune = page.get_by_label("Commune de résidence")
    commune.press_sequentially("villeurb", delay=30)
    expect(page.locator("#communes option[value='Villeurbanne']")).to_have_count(1)  # filled by htmx
    settle_suggestions(page, commune)

    # A new number at each run (a number belongs to one person per agency); 06 10 to 06 29 are all
    # metropolitan mobiles (06 39 and 06 90 to 06 97 are partly unallocated overseas ranges).
    phone = f"06 {random.randint(10, 29)} {random.randint(10, 99)} {random.randint(10, 99)} 17"
    for label, value in (("Prénom", "Inès"), (re.compile(r"^Nom\b"), surname), ("Téléphone", phone)):
        field = page.get_by_label(label)
        field.fill(value)
        expect(field).to_have_value(value)
    commune.fill("saint-denis")
    expect(page.locator("#communes option[value='Saint-Denis (93)']")).to_have_count(1)
    settle_suggestions(page, commune)
    expect(commune).to_have_value("saint-denis")
    page.get_by_label("Codes ROME des métiers recherchés").fill("K2204")
    page.get_by_label("Disponible à partir du").fill("2026-12-01")
    page.get_by_label("Rayon de mobilité (km)").fill("10")
    page.get_by_role("button", name="Inscrire").click()
    error = page.locator("#f-commune-error")
    expect(error).to_contain_text("Plusieurs communes correspondent à « saint-denis »")
    expect(error).to_contain_text("Saint-Denis (93)")

    page.get_by_label("Commune de résidence").fill("Saint-Denis (93)")
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(surname)
    expect(page.locator("main")).to_contain_text("Saint-Denis (93)")
