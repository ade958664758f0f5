"""The stored bytes of a registration are part of the log's format: the hash chain and the exports
are computed over them, so a change in how a registration is built must not change one byte.

Everything random is fixed here (the candidate id, the person's key, the AES-GCM nonces), so the
whole record is known in advance; the expected bytes were taken from the code before session 5.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import UUID

import pytest

import application.candidates
import infrastructure.personal_data
from application.caller import Caller
from application.candidates import CandidateDetails
from tests.conftest import AdvanceableClock
from tests.unit.fakes import InMemoryKeyVault, in_memory_relais

CANDIDATE_ID = UUID("12345678-1234-5678-1234-567812345678")
ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")


class FixedKeyVault(InMemoryKeyVault):
    def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
        if create and subject_id not in self.keys:
            self.keys[subject_id] = bytes(range(32))
        return self.keys.get(subject_id)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch):
    """Registers one job seeker with every random input fixed; returns the stored records."""
    monkeypatch.setattr(application.candidates, "uuid4", lambda: CANDIDATE_ID)
    nonces = iter(bytes([n]) * 12 for n in range(1, 100))
    monkeypatch.setattr(infrastructure.personal_data, "os", SimpleNamespace(urandom=lambda size: next(nonces)))
    clock = AdvanceableClock(datetime(2026, 11, 30, 9, 15, 30, 123456, tzinfo=UTC))
    app = in_memory_relais(clock, vault=FixedKeyVault())

    def register(details: CandidateDetails) -> list:
        app.register_candidate(details, sms_consent=True, caller=ADVISOR)
        return app.recorder.select_events(CANDIDATE_ID)

    return register


REGISTERED = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-30T09:15:30.123456+00:00"},"originator_topic":"domain.candidate:Candidate",'
    b'"agency_id":"lyon-est","profile":{"_type_":"candidate_profile","_data_":{"first_name":{"_type_":"personal_data",'
    b'"_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"AQEBAQEBAQEBAQEBV5mK9sGllLQz9IvvyZqwRPU2C8rjgA=="}},'
    b'"last_name":{"_type_":"personal_data","_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"AgICAgICAgICAgIC2El32suwk0ctb9YUJtN2Pt8JLi4T2g=="}},'
    b'"phone":{"_type_":"personal_data","_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"AwMDAwMDAwMDAwMDxXgP4DqgYSLrazFGo0rKmonhOjZoPpsFmlPW/A=="}},'
    b'"commune":"Lyon","rome_codes":["K2204","G1602"],"skills":["nettoyage de locaux","service"],"available_from":{"_type_":"date_iso",'
    b'"_data_":"2026-12-01"},"mobility_km":10,"notes":{"_type_":"personal_data","_data_":{"s":"12345678-1234-5678-1234-567812345678",'
    b'"c":"BAQEBAQEBAQEBAQENPUNIU+WOe+vJTcOBZDAdP03p+q0Oc5vflH0YrhSEXt2jA=="}},"contract_types":[],"max_hours_per_week":0,'
    b'"salary_min_expected":0,"birth_date":null,"sex":"","priority_area":"","commune_code":"69123"}},"sms_consent":true,'
    b'"provenance":{"_type_":"provenance","_data_":{"actor_id":"advisor-1","actor_role":"advisor","correlation_id":"req-1"}},'
    b'"class_version":2}'
)

REGISTERED_WITH_EVERYTHING = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-30T09:15:30.123456+00:00"},"originator_topic":"domain.candidate:Candidate",'
    b'"agency_id":"lyon-est","profile":{"_type_":"candidate_profile","_data_":{"first_name":{"_type_":"personal_data",'
    b'"_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"AQEBAQEBAQEBAQEBV5mK9sGllLQz9IvvyZqwRPU2C8rjgA=="}},'
    b'"last_name":{"_type_":"personal_data","_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"AgICAgICAgICAgIC2El32suwk0ctb9YUJtN2Pt8JLi4T2g=="}},'
    b'"phone":{"_type_":"personal_data","_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"AwMDAwMDAwMDAwMDxXgP4TOjYCXqaDBJmbVL6fdhFcTa9JXwsyRrfQ=="}},'
    b'"commune":"Lyon","rome_codes":["K2204","G1602"],"skills":["nettoyage de locaux","service"],"available_from":{"_type_":"date_iso",'
    b'"_data_":"2026-12-01"},"mobility_km":10,"notes":{"_type_":"personal_data","_data_":{"s":"12345678-1234-5678-1234-567812345678",'
    b'"c":"BAQEBAQEBAQEBAQENPUNIU+WOe+vJTcOBZDAdP03p+q0Oc5vflH0YrhSEXt2jA=="}},"contract_types":["CDI",'
    b'"CDD"],"max_hours_per_week":35,"salary_min_expected":24000,"birth_date":{"_type_":"personal_data",'
    b'"_data_":{"s":"12345678-1234-5678-1234-567812345678","c":"BQUFBQUFBQUFBQUFfQ/hQY0NrccOurIr9dnsj3S6RM/ov47xuPA="}},'
    b'"sex":"F","priority_area":"yes","commune_code":"69123"}},"sms_consent":true,"provenance":{"_type_":"provenance",'
    b'"_data_":{"actor_id":"advisor-1","actor_role":"advisor","correlation_id":"req-1"}},"class_version":2}'
)


MINIMAL = CandidateDetails(
    first_name=" Zoé ", last_name="Canari", phone="06 12 34 56 78", commune="lyon",
    rome_codes=("k2204", "G1602"), skills=("Nettoyage  de locaux", "nettoyage de locaux", "Service"),
    available_from=date(2026, 12, 1), mobility_km=10, notes="Préfère le matin",
)


def test_a_registration_is_stored_byte_for_byte_as_before(recorded) -> None:
    (stored,) = recorded(MINIMAL)
    assert stored.topic == "domain.candidate:Candidate.Registered"
    assert stored.originator_version == 1
    assert stored.state == REGISTERED


def test_a_registration_with_every_optional_field_is_stored_byte_for_byte_as_before(recorded) -> None:
    (stored,) = recorded(replace(
        MINIMAL, birth_date="14/07/1990", sex="F", priority_area="yes", contract_types=("CDD", "CDI", "CDD"),
        max_hours_per_week=35, salary_min_expected=24000, phone="+33 7 81 23 45 67",
    ))
    assert stored.state == REGISTERED_WITH_EVERYTHING
