"""Compliance rules on in-memory persistence: who may produce letters and erase for retention."""
from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from application.caller import Caller
from application.candidates import CandidateDetails
from application.errors import AccessDeniedError, AlreadyErasedError
from application.values import ERASED_PLACEHOLDER
from domain.candidate import Candidate
from domain.explanation_letter import ExplanationLetter
from domain.provenance import Provenance
from domain.retention_run import ERASED, FAILED, RetentionEntry, RetentionRun
from tests.unit.fakes import in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
DPO = Caller("dpo-1", "compliance", "", "req-2")
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def app(clock):
    return in_memory_relais(clock)


def register(app) -> object:
    return app.register_candidate(CandidateDetails("Zoé", "Martin", "0612345678", "Lyon", ("K2204",), (),
                                                   date(2026, 12, 1), 10), True, ADVISOR)


def test_only_the_compliance_officer_produces_a_letter_and_it_holds_no_personal_data(app) -> None:
    person = register(app)
    with pytest.raises(AccessDeniedError):
        app.record_explanation_letter(person, NOW, 0, ADVISOR)
    letter_id = app.record_explanation_letter(person, NOW, 3, DPO)
    letter = app.repository.get(letter_id)
    assert (letter.candidate_id, letter.as_of, letter.suggestion_count) == (person, NOW, 3)
    record = app.recorder.select_notifications(start=app.recorder.max_notification_id(), limit=1)[0]
    assert record.originator_id == letter_id and b"Martin" not in record.state and b"Zo" not in record.state
    with pytest.raises(ValueError):
        ExplanationLetter.produce(person, NOW, 0, Provenance("a", "advisor", "c"), NOW)


def test_only_the_retention_job_erases_for_retention_and_it_records_its_reason(app) -> None:
    person = register(app)
    for caller in (DPO, ADVISOR, Caller.job("other-job", "c-1")):
        with pytest.raises(AccessDeniedError):
            app.erase_inactive_person(person, caller)
    app.erase_inactive_person(person, Caller.job("retention", "c-2"))
    erased = app.repository.get(person)
    assert erased.erased and erased.profile.last_name.value == ERASED_PLACEHOLDER
    event = list(app.repository.event_store.get(person))[-1]
    assert isinstance(event, Candidate.PersonalDataErased)
    assert (event.reason.code, event.requester, event.reference, event.provenance.actor_id) == (
        "retention", "conservation", None, "job:retention")
    with pytest.raises(AlreadyErasedError):
        app.erase_inactive_person(person, Caller.job("retention", "c-3"))


def test_a_retention_run_is_recorded_by_a_job_with_its_entries(app) -> None:
    entries = (RetentionEntry(str(uuid4()), "lyon-est", "2024-01-01T00:00:00+00:00", "registration", ERASED),
               RetentionEntry(str(uuid4()), "lyon-est", "2024-02-01T00:00:00+00:00", "consent", FAILED, "StaleEditError"))
    with pytest.raises(AccessDeniedError):
        app.record_retention_run(24, NOW, 10, entries, DPO)
    run_id = app.record_retention_run(24, NOW, 10, entries, Caller.job("retention", "c-4"))
    run: RetentionRun = app.repository.get(run_id)
    assert (run.months, run.cutoff, run.examined, run.entries, run.erased) == (24, NOW, 10, entries, 1)


def test_the_retention_period_is_read_from_the_environment_and_checked(tmp_path) -> None:
    from infrastructure.settings import Settings, SettingsError

    base = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SECRET_KEY": "x" * 40}
    assert Settings.from_env(base).retention_months == 24
    assert Settings.from_env({**base, "RELAIS_RETENTION_MONTHS": "36"}).retention_months == 36
    for wrong in ("0", "douze", "-3"):
        with pytest.raises(SettingsError, match="RELAIS_RETENTION_MONTHS"):
            Settings.from_env({**base, "RELAIS_RETENTION_MONTHS": wrong})
