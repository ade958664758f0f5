"""What a command writes, and what it no longer reads back (docs/adr/0020): the read models are
applied from what the save just recorded, the positions are claimed without being read first, a
new person's key is inserted without a read, and none of it takes a savepoint. Each shortcut keeps
its fallback: projections left behind by other writers are still caught up, a lost claim leaves
the positions as they were, and a failure leaves nothing of the command."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from application.projections.runner import ProjectionRunner
from infrastructure.bootstrap import Services, projections
from tests.integration.helpers import advisor, count, details, max_id, mobile


def _positions(services: Services) -> dict[str, int]:
    return services.projections.positions()


def _counting_log_reads(services: Services) -> list[int]:
    """Spy on the recorder: one entry per notification read from the log."""
    recorder = services.app.recorder
    reads: list[int] = []
    select = recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = select(*args, **kwargs)
        reads.append(len(found))
        return found

    recorder.select_notifications = counted  # type: ignore[method-assign]
    return reads


def test_a_registration_applies_its_read_models_without_reading_the_log_back(services: Services) -> None:
    services.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    reads = _counting_log_reads(services)

    person = services.app.register_candidate(details(phone=mobile(2)), sms_consent=True, caller=advisor())

    assert reads == []
    assert count(services, "SELECT COUNT(*) FROM rm_candidates WHERE id = ?", (str(person),)) == 1
    assert count(services, "SELECT COUNT(*) FROM rm_event_index WHERE aggregate_id = ?", (str(person),)) == 1
    assert set(_positions(services).values()) == {max_id(services)}


def test_read_models_left_behind_by_another_writer_are_caught_up_by_the_next_command(
    make_services: Callable[..., Services]
) -> None:
    """A process without synchronous projections writes first: the next command's shortcut does not
    apply (its events are not right after the positions), so it reads the log from the positions."""
    synchronous = make_services()
    deferred = make_services(synchronous_projections=False)
    behind = deferred.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    assert count(synchronous, "SELECT COUNT(*) FROM rm_candidates WHERE id = ?", (str(behind),)) == 0
    reads = _counting_log_reads(synchronous)

    latest = synchronous.app.register_candidate(details(phone=mobile(2)), sms_consent=True, caller=advisor())

    assert reads and sum(reads) == 2  # the other writer's event and this command's own
    for person in (behind, latest):
        assert count(synchronous, "SELECT COUNT(*) FROM rm_candidates WHERE id = ?", (str(person),)) == 1
        assert count(synchronous, "SELECT COUNT(*) FROM rm_fig_people WHERE candidate_id = ?", (str(person),)) == 1
    assert set(_positions(synchronous).values()) == {max_id(synchronous)}


def test_a_lost_claim_puts_back_the_positions_it_had_moved(services: Services) -> None:
    runner = ProjectionRunner(services.app.recorder, services.app.mapper, services.database, projections())
    services.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    before = _positions(services)
    head = max_id(services)
    # "candidates" is read one step behind where it stands (another process moved it meanwhile):
    # the others are claimed first, then that one fails, and all must be as they were.
    stale = {name: position for name, position in before.items() if name != "candidates"}
    stale["candidates"] = head - 1  # last, so that its claim comes after the others'
    assert set(stale.values()) == {head, head - 1}
    with services.database.transaction() as tx:
        assert runner._claim(tx, stale, head + 5) is False  # noqa: SLF001
        assert _positions(services) == before  # seen from inside the transaction that goes on
    assert _positions(services) == before
    with services.database.transaction() as tx:
        assert runner._claim(tx, before, head + 5) is True  # noqa: SLF001
        tx.execute("UPDATE projection_tracking SET position = ?", (head,))  # as it was; nothing was applied


def test_a_command_whose_read_model_write_fails_leaves_nothing_and_the_next_one_succeeds(
    services: Services
) -> None:
    """On PostgreSQL the read models' writes are pipelined: the failure shows at the block's end,
    and must still fail the command whole and leave its connection usable."""
    services.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    head = max_id(services)
    taken = range(head + 1, head + 6)  # the history index rows the next events would take
    with services.database.transaction() as tx:
        for notification_id in taken:
            tx.execute(
                "INSERT INTO rm_event_index (notification_id, aggregate_id, aggregate_type, aggregate_version, "
                "event_type, actor_id, actor_role, agency_id, person_id, occurred_at) "
                "VALUES (?, 'x', 'X', 1, 'X.Y', '', '', '', '', '')", (notification_id,),
            )
    positions = _positions(services)
    people = count(services, "SELECT COUNT(*) FROM rm_candidates")
    keys = count(services, "SELECT COUNT(*) FROM personal_keys")
    claims = count(services, "SELECT COUNT(*) FROM phone_claims")

    with pytest.raises(Exception):  # the driver's unique violation, whichever the store
        services.app.register_candidate(details(phone=mobile(2)), sms_consent=True, caller=advisor())

    assert max_id(services) == head
    assert _positions(services) == positions
    assert count(services, "SELECT COUNT(*) FROM rm_candidates") == people
    assert count(services, "SELECT COUNT(*) FROM personal_keys") == keys
    assert count(services, "SELECT COUNT(*) FROM phone_claims") == claims
    with services.database.transaction() as tx:
        tx.execute("DELETE FROM rm_event_index WHERE aggregate_id = 'x'")
    person = services.app.register_candidate(details(phone=mobile(2)), sms_consent=True, caller=advisor())
    assert count(services, "SELECT COUNT(*) FROM rm_candidates WHERE id = ?", (str(person),)) == 1


def test_in_a_command_an_existing_key_is_used_and_an_erased_one_is_not_replaced(
    make_services: Callable[..., Services]
) -> None:
    """A command inserts a missing key first and reads only on a conflict: a key another process made
    (not in this one's cache) must be the one used, and an erased person must get no new key."""
    one, other = make_services(), make_services()
    known, erased = str(uuid4()), str(uuid4())
    key = one.app.key_vault.key_for(known, create=True)
    one.app.key_vault.destroy(erased)
    with other.app.unit_of_work():
        assert other.app.key_vault.key_for(known, create=True) == key
        assert other.app.key_vault.key_for(erased, create=True) is None
    assert count(other, "SELECT COUNT(*) FROM personal_keys WHERE subject_id = ? AND wrapped_key = ''", (erased,)) == 1
