"""In a real browser: an advisor signs in, registers a job seeker, finds them, signs out."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.journeys import sign_in


def test_an_advisor_registers_a_job_seeker_finds_them_and_signs_out(page: Page, demo_logins):
    username, password = demo_logins["advisor"]
    surname = f"Canari{uuid.uuid4().hex[:6]}"
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conseiller$"))

    page.goto("/conseiller/demandeurs")
    page.get_by_role("button", name="Inscrire un demandeur").click()
    page.get_by_label("Prénom").fill("Zoé")
    page.get_by_label(re.compile(r"^Nom\b")).fill(surname)
    page.get_by_label("Téléphone").fill("06 55 44 33 22")
    page.get_by_label("Commune").fill("Lille" if "lille" in username else "Lyon" if "lyon" in username else "Paris")
    page.get_by_label("Codes ROME des métiers recherchés").fill("K2204")
    page.get_by_label("Compétences").fill("nettoyage de locaux, tri des déchets")
    page.get_by_label("Disponible à partir du").fill("2026-12-01")
    page.get_by_label("Rayon de mobilité (km)").fill("15")
    page.get_by_label("La personne accepte d'être contactée par SMS").check()
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(surname)

    page.goto("/conseiller/demandeurs")
    page.get_by_label("Rechercher (nom, commune, compétence, code ROME)").fill(surname.lower())
    results = page.locator("#resultats")
    expect(results).to_contain_text(surname)  # updated in place by htmx
    expect(results.get_by_role("link", name=re.compile(surname))).to_have_count(1)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.goto("/conseiller/demandeurs")
    expect(page).to_have_url(re.compile(r"/connexion"))  # the server session is gone


def test_a_wrong_password_is_refused_in_place_in_french(page: Page, demo_logins):
    username, _ = demo_logins["advisor"]
    sign_in(page, username, "pas le bon mot de passe")
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
