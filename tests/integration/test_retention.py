"""Retention on a real store, with a fixed clock: people inactive for the configured period are erased
by `job:retention`, anyone with a more recent activity of any kind is kept, and the run is reported."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.retention import RetentionJob, months_before
from application.values import ERASED_PLACEHOLDER, Reason
from domain.candidate import Candidate
from infrastructure.bootstrap import Services
from tests.integration.compliance_helpers import compliance_queries, suggested_twice
from tests.integration.helpers import advisor, compliance, details, domain_events, mobile


def person(services: Services, n: int, matching: bool = False):
    """Someone registered now; unless `matching`, with another job and skill than the offers', so that
    no shortlist suggests them."""
    job = {} if matching else {"rome_codes": ("A1203",), "skills": ("taille de haies",)}
    return services.app.register_candidate(
        details(first_name=f"Prénom{n}", last_name=f"Dormant{n}", phone=mobile(n), **job), True, advisor(),
    )


def job(services: Services, months: int = 24) -> RetentionJob:
    return RetentionJob(services.app, services.database, months, services.projections.catch_up)


def test_people_inactive_for_the_period_are_erased_by_the_job_and_the_run_is_reported(
    services: Services, clock
) -> None:
    sleeper = person(services, 1)
    changed = person(services, 2)
    consented = person(services, 3)
    suggested = person(services, 4, matching=True)
    clock.advance(days=365)
    services.app.change_candidate_profile(changed, 1, details(first_name="Prénom2", last_name="Dormant2",
                                                              phone=mobile(2), commune="Bron",
                                                              rome_codes=("A1203",)), advisor())
    services.app.set_sms_consent(consented, False, Reason("demande_personne"), advisor())
    suggested_twice(services, suggested)  # suggestions and decisions about them, on offers
    clock.advance(days=365 + 2)  # the sleeper's registration is now more than 24 months old

    preview = job(services)(dry_run=True)
    assert [e.candidate_id for e in preview.entries] == [str(sleeper)]
    assert preview.run_id is None and preview.entries[0].last_activity_kind == "registration"
    assert services.candidates.get(advisor(), sleeper).last_name == "Dormant1"  # a dry run erases nothing

    report = job(services)()
    assert (report.erased, report.failed, report.examined) == (1, 0, 5)
    assert report.cutoff == months_before(clock.now(), 24)
    assert services.candidates.get(advisor(), sleeper).last_name == ERASED_PLACEHOLDER
    for kept in (changed, consented, suggested):
        assert services.candidates.get(advisor(), kept).erased is False

    erasure = [e for e in domain_events(services) if isinstance(e, Candidate.PersonalDataErased)]
    assert len(erasure) == 1
    assert (erasure[0].provenance.actor_id, erasure[0].provenance.actor_role, erasure[0].reason.code) == (
        "job:retention", "job", "retention")

    runs = compliance_queries(services).retention_runs(compliance())
    assert [(r.run_id, r.erased, r.failed, r.examined, r.actor_id) for r in runs] == [
        (report.run_id, 1, 0, 5, "job:retention")]
    assert runs[0].entries[0]["candidate_id"] == str(sleeper)
    assert runs[0].entries[0]["last_activity_at"].startswith("2026-11-30")

    # A second run finds nobody new, and says so.
    again = job(services)()
    assert (again.erased, again.examined) == (0, 4)


def test_the_period_is_configurable_and_counts_in_calendar_months(services: Services, clock) -> None:
    someone = person(services, 7)
    clock.advance(days=31 + 30 + 1)  # 30 Nov 2026 9:00 + 62 days = 31 Jan 2027 9:00, cutoff 30 Nov 9:00
    assert job(services, months=2)(dry_run=True).entries == ()  # inactive for exactly the period: kept
    clock.advance(minutes=1)
    assert job(services, months=3)(dry_run=True).entries == ()
    assert [e.candidate_id for e in job(services, months=2)(dry_run=True).entries] == [str(someone)]


def test_someone_who_becomes_active_while_the_run_goes_on_is_kept_and_reported(services: Services, clock) -> None:
    sleeper, other = person(services, 1), person(services, 2)
    clock.advance(days=800)
    calls = []

    def catch_up_while_an_advisor_acts() -> None:
        calls.append(1)
        if len(calls) == 2:  # after the selection, before the first erasure
            services.app.set_sms_consent(sleeper, False, Reason("demande_personne"), advisor())
        services.projections.catch_up()

    report = RetentionJob(services.app, services.database, 24, catch_up_while_an_advisor_acts)()
    assert {e.candidate_id: (e.outcome, e.last_activity_kind) for e in report.entries} == {
        str(sleeper): ("kept", "consent"), str(other): ("erased", "registration")}
    assert (report.erased, report.kept, report.failed) == (1, 1, 0)
    assert services.candidates.get(advisor(), sleeper).erased is False


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 11, 30, 9, tzinfo=UTC), 24, datetime(2024, 11, 30, 9, tzinfo=UTC)),
    (datetime(2027, 3, 31, tzinfo=UTC), 1, datetime(2027, 2, 28, tzinfo=UTC)),
    (datetime(2028, 3, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
    (datetime(2027, 1, 15, tzinfo=UTC), 13, datetime(2025, 12, 15, tzinfo=UTC)),
])
def test_months_before_is_calendar_arithmetic(moment, months, expected, store) -> None:
    assert months_before(moment, months) == expected


def test_a_reply_by_sms_is_activity_and_the_job_runs_at_most_once_a_day(services: Services, clock) -> None:
    from tests.integration.test_outreach import answer, start

    _, (replied,), (phone,) = start(services)
    services.app.run_outreach_tick()  # the first message goes out
    clock.advance(days=365)
    answer(services, phone, "OUI")
    clock.advance(days=365 + 2)  # registration and approval more than 24 months ago, the reply not

    assert job(services)(dry_run=True).entries == ()
    with services.database.read() as tx:
        kind = tx.fetchone("SELECT last_activity_kind FROM rm_person_activity WHERE candidate_id = ?", (str(replied),))
    assert kind == {"last_activity_kind": "sms_reply"}
    daily = job(services)
    assert daily.run_daily() is not None  # no run yet: one now
    assert daily.run_daily() is None  # the next is due a day later
    clock.advance(days=1)
    assert daily.run_daily() is not None
    assert services.candidates.get(advisor(), replied).erased is False
