"""Matching's pool source keeps each agency's job seekers between requests: it must still see every
registration, profile change, consent change and erasure, and a read model rebuilt from zero."""
from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from application.queries.pool import ReadModelCandidatePool
from application.values import Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import AGENCY, OTHER_AGENCY, advisor, compliance, details, mobile


def by_id(people: object) -> dict[str, object]:
    return {p.candidate_id: p for p in people}  # type: ignore[attr-defined]


def register(services: Services, n: int, agency: str = AGENCY) -> UUID:
    return services.app.register_candidate(details(phone=mobile(n)), sms_consent=True, caller=advisor(agency))


def test_the_pool_follows_every_change_after_its_first_read(make_services: Callable[..., Services]) -> None:
    services = make_services()
    pool = ReadModelCandidatePool(services.database)
    first, second = register(services, 1), register(services, 2)
    register(services, 3, OTHER_AGENCY)
    assert set(by_id(pool.people(AGENCY))) == {str(first), str(second)}

    third = register(services, 4)
    services.app.change_candidate_profile(first, 1, details(phone=mobile(1), commune="Bron", mobility_km=25), advisor())
    services.app.set_sms_consent(second, False, Reason("stop_sms"), advisor())
    people = by_id(pool.people(AGENCY))
    assert set(people) == {str(first), str(second), str(third)}
    assert (people[str(first)].commune, people[str(first)].mobility_km) == ("Bron", 25)  # type: ignore[attr-defined]
    assert people[str(second)].sms_consent is False  # type: ignore[attr-defined]
    assert [p.candidate_id for p in pool.people(AGENCY)] == sorted(people)  # still in id order

    services.app.erase_candidate(third, Reason("demande_rgpd"), "personne", compliance())
    assert set(by_id(pool.people(AGENCY))) == {str(first), str(second)}
    # What a fresh source reads from the table is what the kept one holds.
    assert by_id(pool.people(AGENCY)) == by_id(ReadModelCandidatePool(services.database).people(AGENCY))


def test_an_unchanged_pool_is_answered_from_memory_as_the_same_people(make_services: Callable[..., Services]) -> None:
    services = make_services()
    pool = ReadModelCandidatePool(services.database)
    register(services, 1)
    held = pool.people(AGENCY)
    assert pool.people(AGENCY) is held  # its contactable list, profiles and digest are reused too
    register(services, 2)
    assert pool.people(AGENCY) is not held


def test_a_rebuilt_read_model_is_read_again_whole(make_services: Callable[..., Services]) -> None:
    services = make_services()
    pool = ReadModelCandidatePool(services.database)
    kept = register(services, 1)
    erased = register(services, 2)
    pool.people(AGENCY)
    services.app.erase_candidate(erased, Reason("demande_rgpd"), "personne", compliance())
    services.projections.rebuild()
    assert set(by_id(pool.people(AGENCY))) == {str(kept)}


def test_every_write_of_a_job_seekers_row_stamps_it_with_the_next_change(make_services: Callable[..., Services]) -> None:
    services = make_services()

    def stamps() -> dict[str, int]:
        with services.database.read() as tx:
            return {row["id"]: row["change_seq"] for row in tx.fetchall("SELECT id, change_seq FROM rm_candidates")}

    first, second = register(services, 1), register(services, 2)
    assert stamps() == {str(first): 1, str(second): 2}
    services.app.change_candidate_profile(first, 1, details(phone=mobile(1), commune="Bron"), advisor())
    assert stamps() == {str(first): 3, str(second): 2}
    services.app.set_sms_consent(second, False, Reason("stop_sms"), advisor())
    services.app.set_sms_consent(second, True, None, advisor())
    assert stamps() == {str(first): 3, str(second): 5}
    services.app.erase_candidate(first, Reason("demande_rgpd"), "personne", compliance())
    assert stamps() == {str(first): 6, str(second): 5}
