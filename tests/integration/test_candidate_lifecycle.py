"""A job seeker's life on a real store: each command shows in the read model, carries its
provenance in the log, and a rejected command leaves the store exactly as it was."""
from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from application.errors import AccessDeniedError, DuplicateError, InvalidValueError, StaleEditError
from application.values import Reason
from domain.candidate import Candidate
from infrastructure.bootstrap import Services
from application.queries.candidates import LIST_COLUMNS, ORDER
from tests.integration.helpers import (
    AGENCY,
    OTHER_AGENCY,
    READ_MODEL_TABLES,
    advisor,
    compliance,
    count,
    details,
    domain_events,
    max_id,
    table_rows,
)


def test_each_command_on_a_job_seeker_shows_in_the_read_model_and_records_who_asked(services: Services) -> None:
    registering, changing, withdrawing, giving = advisor(), advisor(actor="advisor-2"), advisor(), advisor()
    candidate_id = services.app.register_candidate(details(phone="06 12 34 56 78"), sms_consent=True, caller=registering)

    view = services.candidates.get(advisor(), candidate_id)
    assert (view.first_name, view.last_name, view.phone) == ("Camille", "Martin", "+33612345678")
    assert (view.commune, view.sms_consent, view.erased, view.version) == ("Villeurbanne", True, False, 1)
    assert [c.id for c in services.candidates.search(advisor(), "martin villeurbanne").items] == [str(candidate_id)]

    version = services.app.change_candidate_profile(
        candidate_id,
        1,
        details(last_name="Dubois", commune="bron", skills=("Conduite d'autolaveuse",), mobility_km=30),
        changing,
    )
    view = services.candidates.get(advisor(), candidate_id)
    assert version == view.version == 2
    assert (view.last_name, view.commune, view.skills, view.mobility_km) == (
        "Dubois", "Bron", ["conduite d'autolaveuse"], 30,
    )
    assert services.candidates.search(advisor(), "martin").items == []
    assert [c.id for c in services.candidates.search(advisor(), "autolaveuse").items] == [str(candidate_id)]

    services.app.set_sms_consent(candidate_id, False, Reason("stop_sms"), withdrawing)
    assert services.candidates.get(advisor(), candidate_id).sms_consent is False
    services.app.set_sms_consent(candidate_id, True, None, giving)
    view = services.candidates.get(advisor(), candidate_id)
    assert (view.sms_consent, view.version) == (True, 4)

    events = [e for e in domain_events(services) if e.originator_id == candidate_id]
    assert [type(e) for e in events] == [
        Candidate.Registered, Candidate.ProfileChanged, Candidate.ConsentWithdrawn, Candidate.ConsentGiven,
    ]
    for event, caller in zip(events, (registering, changing, withdrawing, giving), strict=True):
        assert (event.provenance.actor_id, event.provenance.actor_role, event.provenance.correlation_id) == (
            caller.actor_id, "advisor", caller.correlation_id,
        )
    assert events[2].reason == Reason("stop_sms")
    assert events[1].profile.last_name.value == "Dubois"

    aggregate = services.app.repository.get(candidate_id)
    assert (aggregate.version, aggregate.sms_consent, aggregate.profile.commune) == (4, True, "Bron")


def test_a_second_process_reads_the_same_history_and_read_model(make_services: Callable[..., Services]) -> None:
    first = make_services()
    candidate_id = first.app.register_candidate(details(), sms_consent=False, caller=advisor())
    second = make_services()  # another process's view of the same store (and master key)
    assert second.candidates.get(advisor(), candidate_id).first_name == "Camille"
    assert second.app.repository.get(candidate_id).profile.phone.value == "+33612345678"
    second.app.set_sms_consent(candidate_id, True, None, advisor())
    assert first.candidates.get(advisor(), candidate_id).sms_consent is True


# -- Rejected commands -------------------------------------------------------------------
# Each case: an accepted set-up (then the state is noted), and the rejected command.


def _nothing(services: Services, candidate_id: UUID) -> None:
    pass


def _change_once(services: Services, candidate_id: UUID) -> None:
    services.app.change_candidate_profile(candidate_id, 1, details(last_name="Dubois"), advisor())  # now v2


def _register_another_person(services: Services, candidate_id: UUID) -> None:
    services.app.register_candidate(details(phone="06 11 22 33 44"), sms_consent=True, caller=advisor())


def _register_with_bad_phone(services: Services, _: UUID) -> None:
    services.app.register_candidate(details(phone="12 34", last_name="Autre"), sms_consent=True, caller=advisor())


def _register_in_unknown_commune(services: Services, _: UUID) -> None:
    services.app.register_candidate(
        details(phone="06 98 76 54 32", commune="Nulle-Part-sur-Mer"), sms_consent=True, caller=advisor()
    )


def _register_same_phone_in_same_agency(services: Services, _: UUID) -> None:
    # Same number written another way: the check compares normalised E.164 numbers.
    services.app.register_candidate(
        details(first_name="Léa", phone="+33 6 12 34 56 78"), sms_consent=True, caller=advisor()
    )


def _change_with_version_1(services: Services, candidate_id: UUID) -> None:
    services.app.change_candidate_profile(candidate_id, 1, details(last_name="Durand"), advisor())


def _change_from_another_agency(services: Services, candidate_id: UUID) -> None:
    services.app.change_candidate_profile(candidate_id, 1, details(last_name="Dubois"), advisor(OTHER_AGENCY))


def _withdraw_consent_from_another_agency(services: Services, candidate_id: UUID) -> None:
    services.app.set_sms_consent(candidate_id, False, Reason("stop_sms"), advisor(OTHER_AGENCY))


def _change_to_a_bad_phone(services: Services, candidate_id: UUID) -> None:
    services.app.change_candidate_profile(candidate_id, 1, details(phone="+1 555"), advisor())


def _change_to_the_other_persons_phone(services: Services, candidate_id: UUID) -> None:
    services.app.change_candidate_profile(candidate_id, 1, details(phone="0611223344"), advisor())


REJECTIONS = {
    "invalid phone": (_nothing, _register_with_bad_phone, InvalidValueError, "phone"),
    "unknown commune": (_nothing, _register_in_unknown_commune, InvalidValueError, "commune"),
    "duplicate phone in the agency": (_nothing, _register_same_phone_in_same_agency, DuplicateError, "phone"),
    "stale edit": (_change_once, _change_with_version_1, StaleEditError, None),
    "another agency changes the profile": (_nothing, _change_from_another_agency, AccessDeniedError, None),
    "another agency withdraws consent": (_nothing, _withdraw_consent_from_another_agency, AccessDeniedError, None),
    "change to an invalid phone": (_nothing, _change_to_a_bad_phone, InvalidValueError, "phone"),
    "change to a phone taken in the agency": (
        _register_another_person, _change_to_the_other_persons_phone, DuplicateError, "phone",
    ),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_a_rejected_command_writes_no_event_no_key_and_no_read_model_row(services: Services, case: str) -> None:
    set_up, rejected, error, field = REJECTIONS[case]
    candidate_id = services.app.register_candidate(details(phone="06 12 34 56 78"), sms_consent=True, caller=advisor())
    set_up(services, candidate_id)

    def state() -> tuple[object, ...]:
        return (
            max_id(services),
            count(services, "SELECT COUNT(*) AS n FROM personal_keys"),
            services.projections.positions(),
            *(table_rows(services, table) for table in READ_MODEL_TABLES),
            count(services, "SELECT COUNT(*) AS n FROM phone_claims"),
        )

    before = state()
    with pytest.raises(error) as raised:
        rejected(services, candidate_id)
    if field is not None:
        assert field in raised.value.errors
    assert state() == before
    assert max_id(services) == services.app.recorder.max_notification_id() == before[0]


def test_the_same_phone_is_accepted_in_another_agency(services: Services) -> None:
    """The control of the duplicate case: the rule is per agency, not global."""
    services.app.register_candidate(details(phone="06 12 34 56 78"), sms_consent=True, caller=advisor())
    other_id = services.app.register_candidate(details(phone="0612345678"), sms_consent=True, caller=advisor(OTHER_AGENCY))
    assert services.candidates.get(advisor(OTHER_AGENCY), other_id).phone == "+33612345678"
    with pytest.raises(AccessDeniedError):
        services.candidates.get(advisor(), other_id)


def test_the_list_shows_the_same_people_in_the_same_order_as_the_search_with_the_fields_it_needs(
    services: Services,
) -> None:
    for last_name, phone in (("Petit", "06 12 34 56 01"), ("Bernard", "06 12 34 56 02"), ("Martin", "06 12 34 56 03")):
        services.app.register_candidate(details(last_name=last_name, phone=phone), sms_consent=True, caller=advisor())
    services.app.register_candidate(details(phone="06 12 34 56 04"), sms_consent=False, caller=advisor(OTHER_AGENCY))

    def shown(items: list) -> list[tuple]:
        return [(c.id, c.first_name, c.last_name, c.commune, c.skills, c.available_from, c.sms_consent) for c in items]

    for text in ("", "martin", "personne"):
        listed, searched = services.candidates.list_page(advisor(), text), services.candidates.search(advisor(), text)
        assert (listed.total, listed.number, shown(listed.items)) == (searched.total, searched.number,
                                                                      shown(searched.items))
    assert [c.last_name for c in services.candidates.list_page(advisor()).items] == ["Bernard", "Martin", "Petit"]
    with pytest.raises(AccessDeniedError):
        services.candidates.list_page(compliance())


def test_the_list_reads_a_page_in_its_order_from_an_index_without_sorting_the_agency(services: Services) -> None:
    for n in range(30):
        services.app.register_candidate(
            details(last_name=f"Nom{n % 7}", first_name=f"Prénom{n}", phone=f"06 12 34 56 {n:02d}"),
            sms_consent=True, caller=advisor(),
        )
    query = (f"SELECT {LIST_COLUMNS} FROM rm_candidates WHERE agency_id = ? ORDER BY {ORDER} LIMIT ? OFFSET ?")
    params = (AGENCY, 20, 20)
    if services.database.dialect == "sqlite":
        with services.database.read() as tx:
            plan = " / ".join(row["detail"] for row in tx.fetchall("EXPLAIN QUERY PLAN " + query, params))
        assert "rm_candidates_list_order" in plan and "TEMP B-TREE" not in plan, plan
    else:
        # 30 rows are cheaper to sort than to read through an index: make the planner cost the index
        # as it would for a large agency (a plan with a Sort node is what the index avoids).
        with services.database.transaction() as tx:
            tx.execute("SET LOCAL enable_seqscan = off")
            tx.execute("SET LOCAL enable_bitmapscan = off")
            plan = " / ".join(row["QUERY PLAN"] for row in tx.fetchall("EXPLAIN " + query, params))
        assert "rm_candidates_list_order" in plan and "Sort" not in plan, plan
    assert [(c.last_name, c.first_name) for c in services.candidates.list_page(advisor(), "", 2).items] == sorted(
        (f"Nom{n % 7}", f"Prénom{n}") for n in range(30)
    )[20:30]
