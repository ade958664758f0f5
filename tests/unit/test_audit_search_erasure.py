"""Erasing a person also erases the auditors' searches that named them (by id, phone or last name): the
day key of each such search goes with the person's key, and is listed in the erasure event. Searches that
name someone else keep their key. Dated keys past their period are recognised by the day or month they seal."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from application.audit.search_erasure import names_person
from application.caller import Caller
from application.candidates import CandidateDetails
from application.dated_keys import DatedKeys
from application.values import ERASED_PLACEHOLDER, Reason
from domain.candidate import Candidate
from tests.unit.fakes import FakeAuditSearches, InMemoryKeyVault, in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
DPO = Caller("dpo-1", "compliance", "", "req-2")


def auditor(name: str) -> Caller:
    return Caller(name, "auditor", "", f"req-{name}")


@pytest.fixture
def vault() -> InMemoryKeyVault:
    return InMemoryKeyVault()


@pytest.fixture
def searches(vault) -> FakeAuditSearches:
    return FakeAuditSearches(vault)


@pytest.fixture
def app(clock, vault, searches):
    return in_memory_relais(clock, vault, audit_searches=searches)


def register(app, first: str, last: str, phone: str) -> object:
    return app.register_candidate(CandidateDetails(first, last, phone, "Lyon", ("K2204",), (), date(2026, 12, 1), 10),
                                  True, ADVISOR)


def search(app, searches, who: Caller, query: str) -> object:
    access_id = app.record_audit_access("GET", "/audit/historique", "", query, who)
    access = app.repository.get(access_id)
    searches.searches.append((str(access_id), access.query.subject_id))
    return access_id


@pytest.mark.parametrize("query", [
    "person=Le%C3%AFla+Ben+Ha%C3%AFm", "person=ben-haim", "q=06+12+34+56+78", "q=%2B33612345678",
    "person={id}", "person={ID}&page=2",
])
def test_a_search_names_the_person_by_last_name_phone_or_id(app, query) -> None:
    person = register(app, "Leïla", "Ben Haïm", "0612345678")
    candidate: Candidate = app.repository.get(person)
    assert names_person(query.format(id=person, ID=str(person).upper()), candidate)


@pytest.mark.parametrize("query", ["person=Le%C3%AFla", "person=Ben", "q=0612345679", "person=Benhaim", "version=3"])
def test_a_first_name_part_of_a_name_or_another_number_does_not_name_the_person(app, query) -> None:
    person = register(app, "Leïla", "Ben Haïm", "0612345678")
    assert not names_person(query, app.repository.get(person))


def test_erasing_a_person_deletes_the_day_keys_of_searches_that_named_them_and_records_them(
    app, vault, searches, clock
) -> None:
    person = register(app, "Zoé", "Canari", "0611223344")
    other = register(app, "Ali", "Durand", "0699887766")
    named_today = search(app, searches, auditor("aud-1"), "person=canari")
    same_day_other = search(app, searches, auditor("aud-1"), "person=durand")
    by_phone = search(app, searches, auditor("aud-2"), "q=06+11+22+33+44")
    clock.advance(days=1)
    elsewhere = search(app, searches, auditor("aud-1"), "person=durand")

    app.erase_candidate(person, Reason("demande_rgpd"), "personne", DPO)

    event = list(app.repository.event_store.get(person))[-1]
    day = (clock.now() - timedelta(days=1)).date().isoformat()
    assert tuple(event.audit_search_keys) == (f"audit-searches:aud-1:{day}", f"audit-searches:aud-2:{day}")
    assert all(key not in vault.keys for key in event.audit_search_keys)
    for gone in (named_today, same_day_other, by_phone):  # the whole day of those auditors reads "[effacé]"
        assert app.repository.get(gone).query.value == ERASED_PLACEHOLDER
    assert app.repository.get(elsewhere).query.value == "person=durand"
    assert app.repository.get(other).profile.last_name.value == "Durand"


def test_no_search_names_the_person_nothing_else_is_erased(app, vault, searches) -> None:
    person = register(app, "Zoé", "Canari", "0611223344")
    kept = search(app, searches, auditor("aud-1"), "person=durand")
    app.erase_candidate(person, Reason("demande_rgpd"), "personne", DPO)
    assert list(list(app.repository.event_store.get(person))[-1].audit_search_keys) == []
    assert app.repository.get(kept).query.value == "person=durand"


def test_dated_keys_expire_once_the_whole_day_or_month_is_before_the_cutoff() -> None:
    days, months = DatedKeys("audit-searches:", 12), DatedKeys("erasure-requests:", 60)
    cutoff = date(2025, 11, 30)
    assert days.expired("audit-searches:aud-1:2025-11-29", cutoff)
    assert not days.expired("audit-searches:aud-1:2025-11-30", cutoff)
    assert months.expired("erasure-requests:2025-10", cutoff)
    assert not months.expired("erasure-requests:2025-11", cutoff)  # its last day is not past yet
    assert not days.expired("audit-searches:aud-1:not-a-day", cutoff)  # never deleted by guesswork
    assert datetime(2025, 11, 30, tzinfo=UTC).date() == cutoff


def test_the_retention_job_opens_each_search_once_for_everyone_and_erases_the_same_day_keys(
    app, vault, searches, clock
) -> None:
    from application.compliance import RETENTION_JOB

    people = [register(app, "Zoé", f"Canari{n}", f"06112233{n:02d}") for n in range(4)]
    for day in range(3):
        for n, who in enumerate(("aud-1", "aud-2", "aud-3")):
            search(app, searches, auditor(who), f"person=canari{(day + n) % 3}" if who != "aud-3" else "person=durand")
        clock.advance(days=1)
    expected = {person: app._searches_naming(app.repository.get(person)) for person in people}  # one by one
    assert [len(expected[p]) for p in people] == [2, 2, 2, 0]
    opened: list[str] = []
    recorded = searches.recorded
    searches.recorded = lambda ids: (opened.extend(ids), recorded(ids))[1]  # type: ignore[method-assign]

    job = Caller.job(RETENTION_JOB, "run-1")
    scan = app.scan_searches_of(people, job)
    assert scan.named == expected
    assert sorted(opened) == sorted(a for a, _ in searches.live_searches())  # each search once, not once per person
    late = search(app, searches, auditor("aud-4"), "person=canari3")  # recorded after the scan, before the erasure
    opened.clear()
    for person in people:
        app.erase_inactive_person(person, job, scan)
    assert opened == [str(late)] * 4  # each erasure reads only what came since the scan
    erased = {person: tuple(list(app.repository.event_store.get(person))[-1].audit_search_keys) for person in people}
    assert erased[people[3]] == (app.repository.get(late).query.subject_id,) and vault.keys.keys().isdisjoint(erased[people[3]])
    assert {p: keys for p, keys in erased.items() if p != people[3]} == {p: expected[p] for p in people[:3]}
