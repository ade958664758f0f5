"""Rules of job offers, staff accounts and provenance."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.account import Account
from domain.errors import InvalidReasonError, InvalidValueError, LastAdministratorError, OfferClosedError
from domain.offer import Offer, OfferTerms
from domain.provenance import Provenance, Reason
from domain.training_session import TrainingSession

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ADVISOR = Provenance("advisor-1", "advisor", "req-1")


def terms(**changes) -> OfferTerms:
    values = dict(
        title="  Agent de   propreté ",
        rome_code="k2204",
        skills=("Nettoyage",),
        commune="Lyon",
        contract_type="CDI",
        hours_per_week=35,
        salary_min=22000,
        salary_max=24000,
    )
    values.update(changes)
    return OfferTerms(**values)


def test_publishing_normalises_the_terms():
    offer = Offer.publish("lyon-est", terms(), ADVISOR, NOW)
    assert offer.terms.title == "Agent de propreté"
    assert offer.terms.rome_code == "K2204"


def test_salary_range_hours_and_contract_are_checked_together():
    with pytest.raises(InvalidValueError) as caught:
        Offer.publish("lyon-est", terms(salary_min=30000, salary_max=20000, hours_per_week=0, contract_type="x"), ADVISOR, NOW)
    assert set(caught.value.errors) == {"salary_max", "hours_per_week", "contract_type"}


def test_a_closed_offer_cannot_change_and_closing_needs_a_known_reason():
    offer = Offer.publish("lyon-est", terms(), ADVISOR, NOW)
    with pytest.raises(InvalidReasonError):
        offer.close(Reason("vacances"), ADVISOR, NOW)
    offer.close(Reason("pourvue"), ADVISOR, NOW)
    with pytest.raises(OfferClosedError):
        offer.change(terms(title="Autre"), ADVISOR, NOW)


def test_account_ids_follow_the_user_name_so_two_accounts_cannot_share_it():
    first = Account("Conseil.Lyon".lower(), "advisor", "lyon-est", "h", ADVISOR, NOW)
    second = Account("conseil.lyon", "admin", "", "h", ADVISOR, NOW)
    assert first.id == second.id


def test_an_advisor_account_needs_an_agency_and_a_known_role():
    with pytest.raises(InvalidValueError) as caught:
        Account.check_opening("A", "chef", "")
    assert set(caught.value.errors) == {"username", "role"}
    with pytest.raises(InvalidValueError):
        Account.check_opening("conseil.lyon", "advisor", "")
    assert Account.check_opening(" Conseil.Lyon ", "advisor", "lyon-est") == "conseil.lyon"


def test_only_an_advisor_has_an_agency_and_its_id_is_lowercase_letters_digits_and_hyphens():
    for role in ("auditor", "compliance", "admin"):
        with pytest.raises(InvalidValueError) as caught:
            Account.check_opening("staff.one", role, "paris-nord")
        assert "Seul un conseiller" in caught.value.errors["agency_id"]
    for agency in ("Marseille Sud!", "Marseille", "-lyon", "lyon-", "a" * 41):
        with pytest.raises(InvalidValueError) as caught:
            Account.check_opening("conseil.sud", "advisor", agency)
        assert "minuscules" in caught.value.errors["agency_id"]
    assert Account.check_opening("conseil.sud", "advisor", "marseille-sud") == "conseil.sud"
    advisor = Account("conseil.sud", "advisor", "marseille-sud", "h", ADVISOR, NOW)
    with pytest.raises(InvalidValueError):
        advisor.assign_role("auditor", "marseille-sud", ADVISOR, NOW, other_administrators=1)


def test_an_agency_opened_before_the_id_rule_keeps_its_id_and_its_advisors():
    """Agencies opened earlier as "Lyon Est" must not strand their job seekers (review 8, finding 6)."""
    veteran = Account("conseil.ancien", "advisor", "Lyon Est", "h", ADVISOR, NOW)  # recorded before the rule
    veteran.assign_role("advisor", "Lyon Est", ADVISOR, NOW, other_administrators=1)  # unchanged: no refusal
    assert Account.check_opening("conseil.neuf", "advisor", "Lyon Est", agency_exists=True) == "conseil.neuf"
    veteran.assign_role("advisor", "Paris Nord", ADVISOR, NOW, other_administrators=1, agency_exists=True)
    assert veteran.agency_id == "Paris Nord"
    with pytest.raises(InvalidValueError):  # a new agency follows the rule
        veteran.assign_role("advisor", "Lille Sud", ADVISOR, NOW, other_administrators=1)


def test_the_last_active_administrator_keeps_the_role_and_another_may_take_it_away():
    admin = Account("root", "admin", "", "h", ADVISOR, NOW)
    with pytest.raises(LastAdministratorError):
        admin.assign_role("auditor", "", ADVISOR, NOW, other_administrators=0)
    assert admin.role == "admin" and len(admin.collect_events()) == 1  # only Opened
    admin.assign_role("admin", "", ADVISOR, NOW, other_administrators=0)  # no change: nothing to refuse
    admin.assign_role("auditor", "", ADVISOR, NOW, other_administrators=1)
    assert admin.role == "auditor"


def test_provenance_refuses_unknown_roles_and_names_jobs_as_actors():
    with pytest.raises(ValueError):
        Provenance("x", "superuser", "r")
    job = Provenance.job("follow-ups", "tick-1")
    assert (job.actor_id, job.actor_role) == ("job:follow-ups", "job")


def test_training_sessions_need_a_timezone_and_a_sensible_duration():
    with pytest.raises(InvalidValueError):
        TrainingSession.schedule("IA et biais", datetime(2026, 12, 1, 9), 30, ADVISOR, NOW)
    with pytest.raises(InvalidValueError):
        TrainingSession.schedule("IA et biais", datetime(2026, 12, 1, 9, tzinfo=UTC), 2, ADVISOR, NOW)
