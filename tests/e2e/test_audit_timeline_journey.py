"""In a real browser: an auditor opens a long record's timeline, a hundred events at a time, and asks for the
next events, which htmx puts below the ones shown."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.e2e.journeys import sign_in
from tests.integration.helpers import advisor
from tests.integration.long_offer import long_offer


def an_offer_of_243_events(live_server) -> str:
    """Written beside the running app, into the same SQLite store (the timeline reads the event store)."""
    settings = Settings.from_env({"RELAIS_DATA_DIR": str(live_server.data_dir), "RELAIS_SEED_DEMO": "0",
                                  "RELAIS_DATABASE_URL": f"sqlite:///{live_server.data_dir}/relais.sqlite"})
    services = bootstrap(settings, run_migrations=False, synchronous_projections=False)
    try:
        return str(long_offer(services, advisor(), rounds=2, suggestions=100, decisions=20))
    finally:
        services.close()


def test_an_auditor_reads_a_long_timeline_and_appends_the_next_events(page: Page, live_server, demo_logins):
    offer_id = an_offer_of_243_events(live_server)
    sign_in(page, *demo_logins["auditor"])
    expect(page).to_have_url(re.compile(r"/audit$"))
    page.goto(f"/audit/historique/{offer_id}")
    entries = page.locator("li.timeline-entry")
    expect(entries).to_have_count(100)
    expect(entries.first).to_contain_text("Offre publiée")
    page.get_by_role("link", name="Événements suivants").click()
    expect(entries).to_have_count(200)  # appended below, on the same page
    expect(page).to_have_url(re.compile(rf"/audit/historique/{offer_id}$"))
    expect(page.locator("#v101")).to_be_visible()
    page.get_by_role("link", name="Événements suivants").click()
    expect(entries).to_have_count(243)
    expect(page.get_by_role("link", name="Événements suivants")).to_have_count(0)
    expect(page.locator("#pages-evenements")).to_contain_text("Jusqu'à l'événement 243 sur 243")


def test_a_version_the_record_never_had_is_named_beside_its_field_above_the_timeline(page: Page, live_server,
                                                                                     demo_logins):
    offer_id = an_offer_of_243_events(live_server)
    sign_in(page, *demo_logins["auditor"])
    expect(page).to_have_url(re.compile(r"/audit$"))
    page.goto(f"/audit/historique/{offer_id}")
    page.get_by_text("Remonter le temps").click()
    page.get_by_role("spinbutton", name="État à la version").fill("999")
    page.get_by_role("button", name="Afficher").first.click()
    expect(page.locator("#f-version-error")).to_have_text(
        "La version 999 n'existe pas : cette fiche en est à la version 243.")  # swapped in by htmx, a 400
    expect(page.locator("li.timeline-entry")).to_have_count(100)  # the timeline is still there
    page.get_by_role("spinbutton", name="État à la version").fill("150")
    page.get_by_role("button", name="Afficher").first.click()
    expect(page.locator("#etat-titre")).to_have_text("État à la version 150")
    expect(page.locator("#f-version-error")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/audit/historique/{offer_id}\?version=150$"))
