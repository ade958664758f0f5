"""Who asked for an erasure is a kind from a closed list plus an optional reference; the reference is
sealed under the erasure register's key of the month, never the person's, so it outlives their erasure;
erasures recorded before the list (free text `requested_by`) still decode."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from application.caller import Caller
from application.candidates import CandidateDetails
from application.values import ERASED_PLACEHOLDER, Reason
from domain.candidate import Candidate
from domain.erasure_request import LEGACY_REQUESTER, register_subject
from domain.errors import InvalidValueError
from tests.unit.fakes import InMemoryKeyVault, in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
DPO = Caller("dpo-1", "compliance", "", "req-2")


@pytest.fixture
def vault() -> InMemoryKeyVault:
    return InMemoryKeyVault()


@pytest.fixture
def app(clock, vault):
    return in_memory_relais(clock, vault)


def register(app) -> object:
    return app.register_candidate(CandidateDetails("Zoé", "Martin", "0612345678", "Lyon", ("K2204",), (),
                                                   date(2026, 12, 1), 10), True, ADVISOR)


def erasure_event(app, person) -> Candidate.PersonalDataErased:
    event = list(app.repository.event_store.get(person))[-1]
    assert isinstance(event, Candidate.PersonalDataErased)
    return event


def test_the_requester_is_a_kind_from_the_closed_list_and_nothing_is_recorded_otherwise(app) -> None:
    person = register(app)
    for kind in ("la personne, courrier du 12/11", "", "conservation "):
        with pytest.raises(InvalidValueError) as error:
            app.erase_candidate(person, Reason("demande_rgpd"), kind, DPO)
        assert "requester" in error.value.errors
    with pytest.raises(InvalidValueError) as error:
        app.erase_candidate(person, Reason("demande_rgpd"), "personne", DPO, reference="x" * 61)
    assert "reference" in error.value.errors
    assert not app.repository.get(person).erased


def test_the_reference_is_sealed_under_the_registers_key_of_the_month_and_outlives_the_persons_key(app, vault) -> None:
    person = register(app)
    app.erase_candidate(person, Reason("demande_rgpd"), "representant", DPO, reference="  dossier   2026-0142 ")
    event = erasure_event(app, person)
    subject = register_subject(event.timestamp)
    assert subject == f"erasure-requests:{event.timestamp:%Y-%m}" and subject != str(person)
    assert (event.requester, event.reference.subject_id, event.reference.value) == (
        "representant", subject, "dossier 2026-0142")
    assert str(person) not in vault.keys  # the person's key is gone, the register's stays
    assert app.erasure_reference(person, DPO) == "dossier 2026-0142"
    vault.destroy(subject)  # the register's period is over for that month
    assert app.erasure_reference(person, DPO) == ERASED_PLACEHOLDER
    assert erasure_event(app, person).requester == "representant"  # the kind stays: it names no one


def test_an_erasure_recorded_before_the_closed_list_still_decodes_with_its_free_text(app) -> None:
    person = register(app)
    app.erase_candidate(person, Reason("demande_rgpd"), "personne", DPO)
    stored = list(app.recorder.select_events(person))[-1]
    # The shape stored before: `requested_by` in clear, no class version, no requester, reference or search keys.
    state = json.loads(stored.state)
    for field in ("class_version", "requester", "reference", "audit_search_keys"):
        state.pop(field)
    state["requested_by"] = "la personne, courrier du 12/11"
    old = app.mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))
    assert isinstance(old, Candidate.PersonalDataErased)
    assert (old.requester, old.reference, old.audit_search_keys, old.requested_by) == (
        LEGACY_REQUESTER, None, (), "la personne, courrier du 12/11")
    before = app.repository.get(person, version=stored.originator_version - 1)
    assert not before.erased and old.mutate(before).erased  # the old shape still applies


def test_the_retention_job_is_the_requester_of_its_own_erasures(app) -> None:
    person = register(app)
    app.erase_inactive_person(person, Caller.job("retention", "c-1"))
    assert erasure_event(app, person).requester == "conservation"
    assert app.erasure_reference(person, DPO) == ""


def test_register_keys_are_monthly() -> None:
    assert register_subject(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "erasure-requests:2026-11"
