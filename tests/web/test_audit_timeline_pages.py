"""A long record's timeline is shown a hundred events at a time: plain links without JavaScript, the next page
appended by htmx, time travel still working (and opening the page of the version it chose), each page recorded."""
from __future__ import annotations

import re
from html import unescape
from typing import Any
from uuid import UUID

import pytest

from application.audit.timeline import ENTRIES_PER_PAGE
from tests.integration.helpers import advisor
from tests.integration.long_offer import long_offer
from tests.web.conftest import HTMX
from tests.web.test_audit_history import access_events

EVENTS = 1 + 2 * (1 + 100 + 20)  # 243: three pages of a hundred


@pytest.fixture
def offer_id(services: Any) -> UUID:
    return long_offer(services, advisor(), rounds=2, suggestions=100, decisions=20)


@pytest.fixture
def auditor(signed_in: Any) -> Any:
    return signed_in("auditor", username="odile")


def versions(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'<li id="v(\d+)" class="timeline-entry', html)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def test_the_timeline_shows_a_hundred_events_per_page_oldest_first_with_plain_links(auditor, offer_id) -> None:
    assert ENTRIES_PER_PAGE == 100
    first = auditor.get(f"/audit/historique/{offer_id}")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert versions(first.text) == list(range(1, 101))
    assert f"{EVENTS} événements" in first.text and "Page 1 sur 3 (événements 1 à 100 sur 243)" in first.text
    assert link(first.text, "prev") is None
    assert "État à la version 243 (actuelle)" in first.text  # the state is replayed from every event, not the page's
    second = auditor.get(link(first.text, "next"))
    assert versions(second.text) == list(range(101, 201)) and '<ol class="timeline" start="101">' in second.text
    assert link(second.text, "prev") == f"/audit/historique/{offer_id}?page=1"
    third = auditor.get(link(second.text, "next"))
    assert versions(third.text) == list(range(201, EVENTS + 1))
    assert link(third.text, "next") is None and "Page 3 sur 3" in third.text


def test_htmx_asks_for_the_next_page_alone_and_puts_it_in_place_of_the_links(auditor, offer_id) -> None:
    first = auditor.get(f"/audit/historique/{offer_id}").text
    more = re.search(r'<a href="[^"]+" hx-get="([^"]+)" hx-target="#pages-evenements" hx-swap="outerHTML"', first)
    assert more is not None  # the same link, followed without JavaScript or appended with it
    appended = auditor.get(unescape(more.group(1)), headers=HTMX)
    assert appended.status_code == 200 and "<html" not in appended.text and 'id="etat"' not in appended.text
    assert versions(appended.text) == list(range(101, 201))
    assert appended.text.lstrip().startswith('<div class="timeline-page" hx-disable>')  # recorded text stays inert
    assert '<nav class="pagination" id="pages-evenements"' in appended.text  # the links it replaces
    assert link(appended.text, "prev") is None and link(appended.text, "next").endswith("page=3")
    last = auditor.get(unescape(link(appended.text, "next")), headers=HTMX).text
    assert versions(last) == list(range(201, EVENTS + 1)) and link(last, "next") is None
    assert "Jusqu'à l'événement 243 sur 243" in last


def test_time_travel_opens_the_page_of_its_version_and_stays_chosen_from_page_to_page(auditor, offer_id) -> None:
    by_version = auditor.get(f"/audit/historique/{offer_id}?version=150").text
    assert "État à la version 150" in by_version and versions(by_version) == list(range(101, 201))
    assert '<li id="v151" class="timeline-entry after-moment">' in by_version
    assert '<li id="v150" class="timeline-entry">' in by_version
    onwards = link(by_version, "next")
    assert "version=150" in onwards and onwards.endswith("page=3")
    later = auditor.get(onwards).text
    assert "État à la version 150" in later and versions(later) == list(range(201, EVENTS + 1))
    # Paris time: the second round was asked at 11:00 UTC (12:00 in Paris): its request and 100 suggestions
    # are v123-v223, its decisions come 7 s apart after that.
    at = auditor.get(f"/audit/historique/{offer_id}?at=2026-11-30T12:00").text
    assert "État à la version 223" in at and versions(at) == list(range(201, EVENTS + 1))
    first_page = auditor.get(f"/audit/historique/{offer_id}?at=2026-11-30T12:00&page=1").text
    assert "État à la version 223" in first_page and versions(first_page) == list(range(1, 101))
    changes = auditor.get(f"/audit/historique/{offer_id}?from=1&to=122").text
    assert "Ce qui a changé de la version 1 à la version 122" in changes and versions(changes) == list(range(101, 201))


@pytest.mark.parametrize("page", ["4", "0", "deux", "-1", "9999999"])
def test_a_page_that_does_not_exist_answers_a_french_400(auditor, offer_id, page) -> None:
    response = auditor.get(f"/audit/historique/{offer_id}?page={page}")
    assert response.status_code == 400
    text = unescape(response.text)
    assert ("La page 4 n'existe pas : cet historique compte 3 pages de 100 événements." in text if page == "4"
            else "Le numéro de page doit être un nombre entier positif." in text)


def test_each_page_opened_is_recorded_with_its_query(auditor, services, offer_id) -> None:
    before = len(access_events(services))
    auditor.get(f"/audit/historique/{offer_id}?version=150")
    auditor.get(f"/audit/historique/{offer_id}?version=150&page=3", headers=HTMX)
    auditor.get(f"/audit/historique/{offer_id}?page=2")
    recorded = access_events(services)[before:]
    assert [(e.path, e.aggregate_id, e.query.value) for e in recorded] == [
        (f"/audit/historique/{offer_id}", str(offer_id), "version=150"),
        (f"/audit/historique/{offer_id}", str(offer_id), "version=150&page=3"),
        (f"/audit/historique/{offer_id}", str(offer_id), "page=2"),
    ]
