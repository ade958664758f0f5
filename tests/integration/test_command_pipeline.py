"""A command's transaction sent in as few round trips as its dependencies allow (docs/adr/0020,
amendment of session 5): on PostgreSQL the whole transaction is pipelined, the event insert claims
the projections' positions in its own statement, and a new person's key goes with the event it
seals. Each shortcut keeps the guarantees of the path it replaces, on both stores."""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from application.candidates import DUPLICATE_PHONE
from application.errors import DuplicateError
from application.projections.runner import ProjectionRunner
from application.transactions import joined
from domain.candidate import Candidate
from infrastructure.bootstrap import Services, projections
from tests.integration.helpers import advisor, count, details, max_id, mobile


def _is(services: Services, table: str, person: object) -> int:
    column = "id" if table == "rm_candidates" else "candidate_id"
    return count(services, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (str(person),))


def test_projections_partly_behind_are_put_back_and_each_event_is_applied_once(
    make_services: Callable[..., Services]
) -> None:
    """Another writer's event was applied by every projection but one: the next command's insert
    claims those at the log's head, and they must be put back so that the behind one catches up."""
    synchronous = make_services()
    deferred = make_services(synchronous_projections=False)
    synchronous.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    behind = deferred.app.register_candidate(details(phone=mobile(2)), sms_consent=True, caller=advisor())
    all_but_candidates = [p for p in projections() if p.name != "candidates"]
    ProjectionRunner(deferred.app.recorder, deferred.app.mapper, deferred.database, all_but_candidates).catch_up()
    assert _is(synchronous, "rm_candidates", behind) == 0
    assert _is(synchronous, "rm_fig_people", behind) == 1

    latest = synchronous.app.register_candidate(details(phone=mobile(3)), sms_consent=True, caller=advisor())

    for person in (behind, latest):
        assert _is(synchronous, "rm_candidates", person) == 1
        assert _is(synchronous, "rm_fig_people", person) == 1
    assert set(synchronous.projections.positions().values()) == {max_id(synchronous)}


def test_a_process_without_synchronous_projections_never_moves_their_positions(
    make_services: Callable[..., Services]
) -> None:
    """Only a runner that applies each save claims in the insert: a claim nobody applied would make
    every projection skip those events for good."""
    deferred = make_services(synchronous_projections=False)
    deferred.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    positions = deferred.projections.positions()

    deferred.app.register_candidate(details(phone=mobile(2)), sms_consent=True, caller=advisor())

    assert deferred.projections.positions() == positions
    assert deferred.projections.catch_up() == 2


def test_a_person_registered_at_the_same_instant_elsewhere_keeps_the_key_stored_first(
    make_services: Callable[..., Services]
) -> None:
    """On PostgreSQL a registered person's key is inserted without waiting: if another transaction
    stored one meanwhile, the command fails as a concurrent change and writes nothing. On SQLite the
    stored key is read and used. Either way no data is sealed with a key that is not stored."""
    one, other = make_services(), make_services()
    subject = str(uuid4())
    stored = other.app.key_vault.key_for(subject, create=True)
    used: list[bytes | None] = []
    with pytest.raises(IntegrityError) if one.database.dialect == "postgresql" else nullcontext():
        with one.app.unit_of_work(), joined(one.database) as tx:
            one.database.registering([subject])
            used.append(one.app.key_vault.key_for(subject, create=True))
            tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("pipeline-test", "written"))

    if one.database.dialect == "sqlite":
        assert used == [stored]
    else:
        assert len(used) == 1 and used[0] != stored  # sealed nothing: the command failed
    assert make_services().app.key_vault.key_for(subject, create=False) == stored
    assert one.app.key_vault.key_for(subject, create=False) == stored  # the unstored key was not kept
    written = count(one, "SELECT COUNT(*) FROM app_state WHERE key = 'pipeline-test'")
    assert written == (1 if one.database.dialect == "sqlite" else 0)


def test_in_a_command_a_statement_still_answers_its_row_count(services: Services) -> None:
    services.app.register_candidate(details(phone=mobile(1)), sms_consent=True, caller=advisor())
    with services.app.unit_of_work(), joined(services.database) as tx:
        moved = tx.execute("UPDATE projection_tracking SET position = position WHERE name = ?", ("candidates",))
        none = tx.execute("UPDATE projection_tracking SET position = position WHERE name = ?", ("no such",))

    assert (moved, none) == (1, 0)


def test_a_failed_nested_transaction_in_a_command_undoes_only_its_own_writes(services: Services) -> None:
    with services.app.unit_of_work(), joined(services.database) as tx:
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("outer", "kept"))
        with pytest.raises(Exception):  # the driver's unique violation, whichever the store
            with services.database.transaction() as inner:
                inner.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("inner", "undone"))
                inner.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("outer", "twice"))
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("after", "kept"))

    with services.database.read() as tx:
        rows = {row["key"]: row["value"] for row in tx.fetchall(
            "SELECT key, value FROM app_state WHERE key IN ('outer', 'inner', 'after')")}
    assert rows == {"outer": "kept", "after": "kept"}



def _register_claiming_new(services: Services, phone: str) -> UUID:
    """A registration as `_save_claiming_phone` would make it with `claim_new` (docs/adr/0020,
    session 5: the one-line switch left to application/candidates.py)."""
    app, caller = services.app, advisor()
    person = uuid4()
    profile = details(phone=phone).to_profile(person, app.gazetteer, services.clock.now().date())
    candidate = Candidate.register(caller.agency_id, profile, True, caller.provenance, services.clock.now(), id=person)
    with app.unit_of_work():
        app.phone_claims.claim_new(candidate.agency_id, candidate.id, candidate.profile.phone.value,
                                   DuplicateError("phone", DUPLICATE_PHONE))
        app._save(candidate, joining=True)  # noqa: SLF001
    return person


def test_a_new_persons_number_held_by_someone_else_is_refused_and_nothing_is_written(services: Services) -> None:
    first = _register_claiming_new(services, mobile(1))
    written = {table: count(services, f"SELECT COUNT(*) FROM {table}")
               for table in ("personal_keys", "phone_claims", "rm_candidates")}
    head, positions = max_id(services), services.projections.positions()

    with pytest.raises(DuplicateError):
        _register_claiming_new(services, mobile(1))

    assert {table: count(services, f"SELECT COUNT(*) FROM {table}") for table in written} == written
    assert (max_id(services), services.projections.positions()) == (head, positions)
    later = _register_claiming_new(services, mobile(2))  # the same pool's connection goes on
    for person in (first, later):
        assert _is(services, "rm_candidates", person) == 1
    assert set(services.projections.positions().values()) == {max_id(services)}


def test_a_command_whose_failed_write_was_caught_never_reports_success_with_that_write_missing(
    services: Services
) -> None:
    """On PostgreSQL a write not waited for fails the whole transaction, and the server answers the
    command's COMMIT with ROLLBACK: the command must fail rather than return as if it had saved.
    (On SQLite the failing statement alone is undone and the rest commits: no lie either.)"""
    with services.database.transaction() as tx:
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("taken", "before"))
    succeeded = False
    try:
        with services.app.unit_of_work(), joined(services.database) as tx:
            tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("mine", "written?"))
            try:  # a careless caller swallows the database's error
                with services.database.pipelined():
                    tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("taken", "twice"))
                with services.database.transaction() as inner:
                    inner.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("inner", "x"))
            except Exception:  # noqa: BLE001
                pass
        succeeded = True
    except Exception:  # noqa: BLE001
        succeeded = False

    with services.database.read() as tx:
        mine = tx.fetchall("SELECT value FROM app_state WHERE key = 'mine'")
    assert not succeeded or len(mine) == 1, "the command returned as saved, and its write is not there"


def test_a_held_number_sent_unwaited_is_reported_as_the_duplicate_even_behind_a_savepoint(
    services: Services
) -> None:
    """The claim's violation shows at the next statement waited for, here a nested transaction's
    SAVEPOINT: the caller still gets the duplicate number (a 409), not a savepoint error (a 500)."""
    _register_claiming_new(services, mobile(1))
    app, caller = services.app, advisor()
    person = uuid4()
    profile = details(phone=mobile(1)).to_profile(person, app.gazetteer, services.clock.now().date())
    candidate = Candidate.register(caller.agency_id, profile, True, caller.provenance, services.clock.now(), id=person)
    head = max_id(services)

    with pytest.raises(DuplicateError):
        with app.unit_of_work():
            app.phone_claims.claim_new(candidate.agency_id, candidate.id, candidate.profile.phone.value,
                                       DuplicateError("phone", DUPLICATE_PHONE))
            with services.database.transaction() as inner:
                inner.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("behind", "savepoint"))

    assert max_id(services) == head
    assert count(services, "SELECT COUNT(*) FROM app_state WHERE key = 'behind'") == 0


def test_a_write_held_back_in_a_command_is_seen_by_a_later_write_that_reads_its_table(services: Services) -> None:
    """On PostgreSQL the writes no one waits for go as one statement (docs/adr/0020, session 6), whose
    parts cannot see each other's rows: a write that reads an earlier one's table must go after it."""
    with services.app.unit_of_work(), joined(services.database) as tx, services.database.pipelined():
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("held-source", "copied"))
        tx.execute("INSERT INTO phone_claims (claim, candidate_id, claimed_at) "
                   "SELECT value, ?, ? FROM app_state WHERE key = ?", ("someone", "2026-11-30", "held-source"))

    assert count(services, "SELECT COUNT(*) FROM phone_claims WHERE claim = 'copied'") == 1


def test_writes_held_back_in_a_failed_nested_transaction_are_undone_with_it(services: Services) -> None:
    with services.app.unit_of_work(), joined(services.database) as tx:
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("outer-held", "kept"))
        with pytest.raises(ValueError):
            with services.database.transaction() as inner, services.database.pipelined():
                inner.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", ("inner-held", "undone"))
                raise ValueError("the nested part fails after its write was held back")

    with services.database.read() as tx:
        keys = {row["key"] for row in tx.fetchall(
            "SELECT key FROM app_state WHERE key IN ('outer-held', 'inner-held')")}
    assert keys == {"outer-held"}


def _answers_arrive(tx: object) -> None:
    """PostgreSQL: make the server send the answers it holds, and let them arrive, before the next
    statement is sent (what a batch filling the server's output buffer does, at random)."""
    connection = getattr(getattr(tx, "cursor", None), "connection", None)
    if connection is not None and hasattr(connection, "pgconn"):  # psycopg (SQLite's cursor has none)
        connection.pgconn.send_flush_request()
        connection.pgconn.flush()
        time.sleep(0.02)


@pytest.mark.parametrize("in_a_command", [False, True], ids=["a projection run", "a command"])
def test_a_read_after_a_batch_sent_unwaited_answers_its_own_rows(services: Services, in_a_command: bool) -> None:
    """In pipeline mode psycopg gives a cursor the answers of its batch (`executemany`) that arrive after
    its next statement was sent as that statement's own: a projection run failed so, at random, reading
    the history index after the follow-ups' batch ("the last operation didn't produce records")."""
    names = [f"pipeline-{uuid4()}" for _ in range(5)]
    with (services.app.unit_of_work() if in_a_command else nullcontext()), joined(services.database) as tx, \
            services.database.pipelined():
        for n, name in enumerate(names):
            tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", (name, str(n)))
            tx.executemany("INSERT INTO app_state (key, value) VALUES (?, ?)", [(f"{name}-{m}", "") for m in range(50)])
            _answers_arrive(tx)
            row = tx.fetchone("SELECT value FROM app_state WHERE key = ?", (name,))
            assert row is not None and row["value"] == str(n)
            tx.executemany("INSERT INTO app_state (key, value) VALUES (?, ?)", [(f"{name}+{m}", "") for m in range(50)])
            _answers_arrive(tx)
            assert [r["value"] for r in tx.fetchall("SELECT value FROM app_state WHERE key = ?", (name,))] == [str(n)]
            tx.executemany("INSERT INTO app_state (key, value) VALUES (?, ?)", [(f"{name}*{m}", "") for m in range(50)])
            _answers_arrive(tx)
            # In a `pipelined()` block a write is sent unanswered: no row count, never the batch's.
            assert tx.execute("UPDATE app_state SET value = '' WHERE key = ?", ("nobody",)) == (
                0 if services.settings.database.dialect == "sqlite" else -1)
    assert count(services, "SELECT COUNT(*) FROM app_state WHERE key LIKE 'pipeline-%'") == len(names) * 151


def test_a_commands_row_count_after_a_batch_sent_unwaited_is_its_own(services: Services) -> None:
    """Outside `pipelined()` a command's write waits for its row count: its own, not the batch's before it."""
    name = f"pipeline-{uuid4()}"
    with services.app.unit_of_work(), joined(services.database) as tx:
        tx.executemany("INSERT INTO app_state (key, value) VALUES (?, ?)", [(f"{name}-{m}", "") for m in range(50)])
        _answers_arrive(tx)
        assert tx.execute("UPDATE app_state SET value = 'x' WHERE key = ?", ("nobody",)) == 0
        tx.executemany("INSERT INTO app_state (key, value) VALUES (?, ?)", [(f"{name}+{m}", "") for m in range(50)])
        _answers_arrive(tx)
        assert tx.execute("UPDATE app_state SET value = 'x' WHERE key LIKE ?", (f"{name}+%",)) == 50
