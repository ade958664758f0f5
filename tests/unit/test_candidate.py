"""Rules a job seeker's record obeys, whatever the page or command that changes it."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.candidate import Candidate, CandidateProfile
from domain.errors import AlreadyErasedError, ConsentAlreadyInStateError, InvalidReasonError, InvalidValueError
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ADVISOR = Provenance("advisor-1", "advisor", "req-1")


def profile(subject, **changes) -> CandidateProfile:
    values = dict(
        first_name=PersonalData(str(subject), "Zoé"),
        last_name=PersonalData(str(subject), "Martin"),
        phone=PersonalData(str(subject), "+33612345678"),
        commune="Lyon",
        rome_codes=("k2204",),
        skills=("Nettoyage ", "nettoyage", "Tri des déchets"),
        available_from=date(2026, 12, 1),
        mobility_km=15,
        notes=PersonalData(str(subject), ""),
    )
    values.update(changes)
    return CandidateProfile(**values)


def registered(**changes) -> Candidate:
    subject = uuid4()
    return Candidate.register("lyon-est", profile(subject, **changes), True, ADVISOR, NOW, id=subject)


def test_registration_normalises_rome_codes_and_skills():
    candidate = registered()
    assert candidate.profile.rome_codes == ("K2204",)
    assert candidate.profile.skills == ("nettoyage", "tri des déchets")


def test_registration_event_carries_provenance_and_the_given_time():
    candidate = registered()
    (event,) = candidate.collect_events()
    assert isinstance(event, Candidate.Registered)
    assert event.provenance == ADVISOR
    assert event.timestamp == NOW


def test_every_invalid_field_is_reported_at_once_in_french():
    subject = uuid4()
    bad = profile(subject, rome_codes=("XX",), mobility_km=900, first_name=PersonalData(str(subject), " "))
    with pytest.raises(InvalidValueError) as caught:
        Candidate.register("lyon-est", bad, True, ADVISOR, NOW, id=subject)
    assert set(caught.value.errors) == {"rome_codes", "mobility_km", "first_name"}
    assert "ROME" in caught.value.errors["rome_codes"]


def test_personal_fields_refuse_a_bare_string_that_would_be_stored_in_clear():
    with pytest.raises(TypeError):
        profile(uuid4(), first_name="Zoé")


def test_personal_data_must_belong_to_the_registered_person():
    other = uuid4()
    with pytest.raises(ValueError):
        Candidate.register("lyon-est", profile(other), True, ADVISOR, NOW, id=uuid4())


def test_an_unchanged_profile_records_no_event():
    candidate = registered()
    candidate.collect_events()
    candidate.change_profile(candidate.profile, ADVISOR, NOW)
    assert candidate.collect_events() == []


def test_withdrawing_consent_needs_a_reason_from_the_closed_list():
    candidate = registered()
    with pytest.raises(InvalidReasonError):
        candidate.withdraw_consent(Reason("parce que"), ADVISOR, NOW)
    with pytest.raises(InvalidReasonError):
        candidate.withdraw_consent(Reason("autre", "  "), ADVISOR, NOW)
    candidate.withdraw_consent(Reason("autre", "ne souhaite plus de SMS"), ADVISOR, NOW)
    assert candidate.sms_consent is False
    withdrawn = candidate.collect_events()[-1]
    # The person's words are personal data: encrypted apart, never in the reason in clear.
    assert withdrawn.reason == Reason("autre") and withdrawn.reason_text == PersonalData(str(candidate.id), "ne souhaite plus de SMS")


def test_consent_cannot_be_given_twice():
    candidate = registered()
    with pytest.raises(ConsentAlreadyInStateError):
        candidate.give_consent(ADVISOR, NOW)


def test_an_erased_person_can_no_longer_be_changed_or_contacted():
    candidate = registered()
    candidate.record_erasure(Reason("demande_rgpd"), "personne", "", (), Provenance("dpo", "compliance", "r"), NOW)
    assert candidate.erased and not candidate.sms_consent
    with pytest.raises(AlreadyErasedError):
        candidate.change_profile(profile(candidate.id, commune="Paris"), ADVISOR, NOW)
    with pytest.raises(AlreadyErasedError):
        candidate.give_consent(ADVISOR, NOW)


def test_a_profile_lists_every_problem_at_once_in_the_form_order():
    subject = uuid4()
    bad = profile(
        subject, first_name=PersonalData(str(subject), " "), last_name=PersonalData(str(subject), "x" * 81), commune="",
        commune_code="123", rome_codes=(), skills=("a" * 81,), mobility_km=501, contract_types=("stage",),
        max_hours_per_week=49, salary_min_expected=-1, birth_date=PersonalData(str(subject), "31/02/1990"), sex="X",
        priority_area="peut-être", notes=PersonalData(str(subject), "n" * 2001),
    )
    with pytest.raises(InvalidValueError) as refused:
        bad.validated()
    assert list(refused.value.errors) == [
        "first_name", "last_name", "commune", "rome_codes", "skills", "mobility_km", "contract_types",
        "max_hours_per_week", "salary_min_expected", "birth_date", "sex", "priority_area", "notes",
    ]


def test_a_validated_profile_is_valid_as_it_is_and_its_copies_are_checked_again():
    subject = uuid4()
    checked = profile(subject, birth_date=PersonalData(str(subject), "14/07/1990")).validated()
    assert checked.validated() is checked
    assert checked == profile(subject, rome_codes=("K2204",), skills=("nettoyage", "tri des déchets"),
                              birth_date=PersonalData(str(subject), "1990-07-14"))
    with pytest.raises(InvalidValueError):
        replace(checked, mobility_km=900).validated()


def test_registration_checks_a_profile_built_right_after_another_was_validated():
    subject = uuid4()
    profile(subject).validated()
    with pytest.raises(InvalidValueError):
        Candidate.register("lyon-est", profile(subject, rome_codes=("nope",)), True, ADVISOR, NOW, id=subject)


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone", "notes", "birth_date"])
def test_registration_refuses_personal_data_of_another_person(field):
    subject, other = uuid4(), uuid4()
    someone_else = PersonalData(str(other), "1990" if field == "birth_date" else "x")
    with pytest.raises(ValueError, match="must belong to the registered candidate"):
        Candidate.register("lyon-est", profile(subject, **{field: someone_else}), True, ADVISOR, NOW, id=subject)
