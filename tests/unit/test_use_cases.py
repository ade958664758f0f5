"""Use cases on in-memory persistence: what gets recorded, refused, and erased."""
from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from application.caller import Caller
from application.candidates import CandidateDetails
from application.errors import AccessDeniedError, DuplicateError, InvalidValueError, NotFoundError, StaleEditError
from application.values import OfferTerms, Reason
from domain.candidate import Candidate
from infrastructure.commune_index import Commune
from tests.unit.fakes import FakeDirectory, FakeGazetteer, InMemoryKeyVault, in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
OTHER_AGENCY = Caller("advisor-2", "advisor", "paris-nord", "req-2")
DPO = Caller("dpo-1", "compliance", "", "req-3")


def details(**changes) -> CandidateDetails:
    values = dict(
        first_name="Zoé",
        last_name="Canari",
        phone="06 12 34 56 78",
        commune="lyon",
        rome_codes=("K2204",),
        skills=("nettoyage",),
        available_from=date(2026, 12, 1),
        mobility_km=10,
        notes="Préfère le matin",
    )
    values.update(changes)
    return CandidateDetails(**values)


@pytest.fixture
def vault() -> InMemoryKeyVault:
    return InMemoryKeyVault()


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def app(clock, vault, directory):
    return in_memory_relais(clock, vault, directory)


def test_registering_records_the_advisor_agency_request_and_canonical_commune(app, clock):
    candidate_id = app.register_candidate(details(), True, ADVISOR)
    candidate = app.repository.get(candidate_id)
    assert candidate.agency_id == "lyon-est"
    assert candidate.profile.commune == "Lyon"
    assert candidate.profile.phone.value == "+33612345678"
    (event,) = app.repository.event_store.get(candidate_id)
    assert (event.provenance.actor_id, event.provenance.correlation_id) == ("advisor-1", "req-1")
    assert event.timestamp == clock.now()


def test_personal_data_is_never_stored_in_clear(app):
    candidate_id = app.register_candidate(details(), True, ADVISOR)
    (stored,) = app.recorder.select_events(candidate_id)
    assert b"Canari" not in stored.state and b"33612345678" not in stored.state
    assert "Canari".encode("utf-8") not in stored.state


def test_a_bad_phone_and_an_unknown_commune_are_both_reported_and_nothing_is_written(app):
    with pytest.raises(InvalidValueError) as caught:
        app.register_candidate(details(phone="12", commune="Atlantide"), True, ADVISOR)
    assert set(caught.value.errors) == {"phone", "commune"}
    assert app.recorder.max_notification_id() in (None, 0)


def test_a_commune_name_several_communes_bear_is_refused_with_them_to_choose_from(app):
    with pytest.raises(InvalidValueError) as caught:
        app.register_candidate(details(commune="saint denis"), True, ADVISOR)
    assert caught.value.errors == {"commune": (
        "Plusieurs communes correspondent à « saint denis » : Saint-Denis (974), Saint-Denis (93). "
        "Précisez le département entre parenthèses ou le code postal, par exemple « Saint-Denis (974) »."
    )}
    assert app.recorder.max_notification_id() in (None, 0)


def test_a_postcode_several_communes_share_asks_for_the_name(app):
    app.gazetteer = FakeGazetteer(extra=(Commune("69003", "Albigny-sur-Saône", "69", ("69250",), 2900, 45.86, 4.83),
                                         Commune("69143", "Neuville-sur-Saône", "69", ("69250",), 7800, 45.88, 4.84)))
    with pytest.raises(InvalidValueError) as caught:
        app.register_candidate(details(commune="69250"), True, ADVISOR)
    assert caught.value.errors == {"commune": (
        "Plusieurs communes ont le code postal 69250 : Neuville-sur-Saône, Albigny-sur-Saône. "
        "Précisez le nom, par exemple « Neuville-sur-Saône »."
    )}


@pytest.mark.parametrize(("typed", "stored"), [("Saint-Denis (93)", "Saint-Denis (93)"), ("93200", "Saint-Denis (93)"),
                                                ("ancy", "Ancy")])
def test_the_commune_is_recorded_under_the_name_that_designates_it_alone(app, typed, stored):
    candidate_id = app.register_candidate(details(commune=typed), True, ADVISOR)
    assert app.repository.get(candidate_id).profile.commune == stored


def test_an_offer_in_a_commune_with_homonyms_is_refused_until_one_is_chosen(app):
    with pytest.raises(InvalidValueError, match="Plusieurs communes correspondent"):
        app.publish_offer(OfferTerms("Agent", "K2204", (), "Saint-Denis", "CDI", 35, 22_000, 24_000, ""), ADVISOR)
    offer_id = app.publish_offer(OfferTerms("Agent", "K2204", (), "st denis (974)", "CDI", 35, 22_000, 24_000, ""), ADVISOR)
    assert app.repository.get(offer_id).terms.commune == "Saint-Denis (974)"


def test_a_phone_already_registered_in_the_agency_is_a_duplicate(app):
    app.register_candidate(details(phone="06 12 34 56 78"), True, ADVISOR)
    written = app.recorder.max_notification_id()
    with pytest.raises(DuplicateError) as caught:
        app.register_candidate(details(phone="+33612345678", first_name="Autre"), True, ADVISOR)
    assert caught.value.errors == {"phone": "Une personne inscrite dans l'agence a déjà ce numéro."}
    assert app.recorder.max_notification_id() == written


def test_the_same_phone_in_another_agency_is_another_person(app):
    app.register_candidate(details(), True, ADVISOR)
    app.register_candidate(details(), True, OTHER_AGENCY)


def test_a_changed_phone_frees_the_old_one_and_erasure_frees_the_number(app):
    first = app.register_candidate(details(phone="0612345678"), True, ADVISOR)
    app.change_candidate_profile(first, 1, details(phone="0698765432"), ADVISOR)
    second = app.register_candidate(details(phone="0612345678", first_name="Ali"), True, ADVISOR)
    with pytest.raises(DuplicateError):
        app.change_candidate_profile(second, 1, details(phone="0698765432"), ADVISOR)
    app.erase_candidate(first, Reason("demande_rgpd"), "personne", DPO)
    app.change_candidate_profile(second, 1, details(phone="0698765432"), ADVISOR)


def test_an_edit_made_on_an_old_version_is_refused(app):
    candidate_id = app.register_candidate(details(), True, ADVISOR)
    app.change_candidate_profile(candidate_id, 1, details(mobility_km=20), ADVISOR)
    with pytest.raises(StaleEditError):
        app.change_candidate_profile(candidate_id, 1, details(mobility_km=30), ADVISOR)
    assert app.repository.get(candidate_id).profile.mobility_km == 20


def test_an_advisor_cannot_touch_another_agencys_job_seeker(app):
    candidate_id = app.register_candidate(details(), True, ADVISOR)
    with pytest.raises(AccessDeniedError):
        app.change_candidate_profile(candidate_id, 1, details(mobility_km=20), OTHER_AGENCY)
    with pytest.raises(AccessDeniedError):
        app.set_sms_consent(candidate_id, False, Reason("demande_personne"), OTHER_AGENCY)


def test_auditors_and_admins_cannot_register_job_seekers(app):
    with pytest.raises(AccessDeniedError):
        app.register_candidate(details(), True, Caller("a", "auditor", "", "r"))


def test_unknown_ids_are_not_found(app):
    with pytest.raises(NotFoundError):
        app.change_candidate_profile(uuid4(), 1, details(), ADVISOR)


def test_erasing_deletes_the_key_records_who_asked_and_leaves_the_history_loadable(app, vault):
    candidate_id = app.register_candidate(details(), True, ADVISOR)
    other_id = app.register_candidate(details(phone="0698765432", first_name="Ali"), True, ADVISOR)
    app.erase_candidate(candidate_id, Reason("demande_rgpd", "courrier du 12/11"), "personne", DPO)
    candidate = app.repository.get(candidate_id)
    assert candidate.profile.first_name.value == "[effacé]" and candidate.profile.first_name.erased
    assert candidate.erased
    events = list(app.repository.event_store.get(candidate_id))
    assert isinstance(events[-1], Candidate.PersonalDataErased)
    assert events[-1].requester == "personne" and events[-1].provenance.actor_role == "compliance"
    assert str(candidate_id) not in vault.keys
    assert app.repository.get(other_id).profile.first_name.value == "Ali"


def test_only_compliance_or_admin_may_erase(app):
    candidate_id = app.register_candidate(details(), True, ADVISOR)
    with pytest.raises(AccessDeniedError):
        app.erase_candidate(candidate_id, Reason("demande_rgpd"), "personne", ADVISOR)


def test_opening_an_account_hashes_the_password_and_refuses_short_ones(app):
    admin = Caller.cli("req")
    with pytest.raises(InvalidValueError):
        app.open_account("conseil.lyon", "advisor", "lyon-est", "court", admin)
    account_id = app.open_account("conseil.lyon", "advisor", "lyon-est", "un mot de passe long", admin)
    account = app.repository.get(account_id)
    assert account.password_hash != "un mot de passe long"
    with pytest.raises(DuplicateError):
        app.open_account("conseil.lyon", "admin", "", "un autre mot de passe", admin)


def test_only_admins_open_accounts(app):
    with pytest.raises(AccessDeniedError):
        app.open_account("x.y.z", "admin", "", "un mot de passe long", ADVISOR)


def test_an_outreach_is_created_for_an_offer_of_the_advisors_agency_only(app):
    from application.values import OfferTerms

    offer_id = app.publish_offer(
        OfferTerms("Agent de propreté", "K2204", ("nettoyage",), "Lyon", "CDI", 35, 22000, 24000), ADVISOR
    )
    outreach = app.repository.get(app.create_outreach(offer_id, ADVISOR))
    assert outreach.offer_id == offer_id and outreach.agency_id == "lyon-est"
    with pytest.raises(AccessDeniedError):
        app.create_outreach(offer_id, OTHER_AGENCY)


def test_training_sessions_are_scheduled_by_administrators(app):
    from datetime import UTC, datetime

    starts = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    with pytest.raises(AccessDeniedError):
        app.schedule_training_session("IA : biais et décisions", starts, 30, ADVISOR)
    session = app.repository.get(app.schedule_training_session("IA : biais et décisions", starts, 30, Caller.cli("r")))
    assert (session.title, session.duration_minutes) == ("IA : biais et décisions", 30)
