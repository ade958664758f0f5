"""In a real browser: approve an SMS outreach, answer "oui" and the questions from the simulated
phone, and watch the outreach page's summary update by itself (htmx polling)."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.journeys import open_offer_with_suggestions, sign_in

ANSWERS = ["Dès lundi prochain", "En bus", "Oui, ça me va", "1800 euros brut par mois", "Oui, sans problème"]


def wait_for_messages(phone_page: Page, article: str, count: int) -> None:
    """The simulated phone shows `count` messages (the tick sends every second): reload until it does."""
    for _ in range(30):
        if phone_page.locator(f"{article} li.message").count() >= count:
            return
        phone_page.wait_for_timeout(500)
        phone_page.reload()
    expect(phone_page.locator(f"{article} li.message")).to_have_count(count)


def test_an_advisor_contacts_a_person_who_answers_yes_and_the_questions(page: Page, demo_logins):
    username, password = demo_logins["advisor"]
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(r"/conseiller$"))

    first = open_offer_with_suggestions(page, username, 1)[0]
    first.get_by_role("button", name="Accepter").click()
    expect(first).to_contain_text("Acceptée")

    page.get_by_role("button", name="Contacter par SMS").click()
    expect(page.get_by_role("heading", name="Contacter par SMS")).to_be_visible()
    boxes = page.locator("input[name=recipients]:not([disabled])")
    assert boxes.count() >= 1
    for n in range(boxes.count()):
        boxes.nth(n).uncheck()
    boxes.first.check()
    expect(page.get_by_label("Premier message (modifiable)")).to_contain_text("STOP")
    page.get_by_role("button", name="Approuver et envoyer").click()
    expect(page.get_by_role("heading", name="Prise de contact par SMS")).to_be_visible()
    interested = page.locator('#bilan tr[data-group="interested"] .count')
    expect(interested).to_have_text("0")

    phone_page = page.context.new_page()
    phone_page.goto("/simulateur")
    wait_for_messages(phone_page, "article.simulated-phone", 1)
    phone = phone_page.locator("article.simulated-phone").first
    article = "#" + phone.get_attribute("id")
    expect(phone_page.locator(article)).to_contain_text("STOP")
    phone_page.locator(article).get_by_label(re.compile("Répondre depuis")).fill("Oui")
    phone_page.locator(article).get_by_role("button", name="Envoyer").click()
    expect(interested).to_have_text("1", timeout=10_000)  # the outreach page updated itself

    sent = 1
    for answer in ANSWERS:
        sent += 2  # the reply, then the next question
        wait_for_messages(phone_page, article, sent)
        phone_page.locator(article).get_by_label(re.compile("Répondre depuis")).fill(answer)
        phone_page.locator(article).get_by_role("button", name="Envoyer").click()
    expect(page.locator("article.conversation").first).to_contain_text("questions terminées", timeout=10_000)
    expect(page.locator("article.conversation dl.answers").first).to_contain_text("1800 euros brut par mois")
    expect(interested).to_have_text("1")
