"""The log's integrity on SQLite and PostgreSQL: signed checkpoints, and tampering done with SQL.

Every tampering test seals the log first (a checkpoint), then changes the stored records
directly in the database, as someone with SQL access could, and expects the verifier to
name the first bad notification and say what happened to it.
"""
from __future__ import annotations

import base64
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from application.values import Reason
from infrastructure.audit_log import AuditLog
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.event_records import copy_data_reader
from tests.conftest import settings_for
from tests.integration.helpers import advisor, compliance, details, max_id, mobile


def audit_of(services: Services) -> AuditLog:
    assert services.audit is not None
    return services.audit


def register(services: Services, count: int, start: int = 0) -> list[Any]:
    return [services.app.register_candidate(details(phone=mobile(start + n)), True, advisor()) for n in range(count)]


def events_table(services: Services) -> tuple[str, str]:
    """(table, notification id column) of the one application table on this store."""
    if services.database.dialect == "sqlite":
        return "stored_events", "rowid"
    return "relais_events", "notification_id"


def tamper(services: Services, sql: str, params: tuple[Any, ...] = ()) -> None:
    table, id_column = events_table(services)
    with services.database.transaction() as tx:
        tx.execute(sql.format(table=table, id=id_column), params)


def sealed(services: Services, count: int = 10) -> AuditLog:
    register(services, count)
    audit = audit_of(services)
    audit.checkpoints.every = 4
    assert audit.write_checkpoint() == 3  # 4 + 4 + the tail of 2 (no checkpoint yet: the tail is sealed too)
    report = audit.verify()
    assert report.ok and report.records == count and report.checkpoints == 3 and report.anchored_upto == max_id(services)
    return audit


def test_a_sealed_log_verifies_and_newer_records_are_chained_but_reported_unsealed(services: Services) -> None:
    audit = sealed(services)
    register(services, 2, start=100)
    report = audit.verify()
    assert report.ok and report.unanchored == 2 and report.records == 12


def test_checkpoints_seal_every_n_records_and_the_tail_once_a_day(services: Services, clock: Any) -> None:
    audit = sealed(services)
    register(services, 5, start=100)
    assert [c.count for c in audit.checkpoints.write_checkpoint()] == [4]  # the tail of 1 waits
    assert audit.checkpoints.due() is False
    clock.advance(days=1)
    assert audit.checkpoints.due() is True
    assert [c.count for c in audit.checkpoints.write_checkpoint()] == [1]
    assert audit.checkpoints.write_checkpoint(force=True) == []  # nothing new to seal
    assert audit.verify().ok


def test_an_edited_record_is_named(services: Services) -> None:
    audit = sealed(services)
    tamper(services, "UPDATE {table} SET state = REPLACE(state, CAST('lyon-est' AS BLOB), CAST('lyon-sud' AS BLOB)) WHERE {id} = 6"
           if services.database.dialect == "sqlite" else
           "UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), 'lyon-est', 'lyon-sud'), 'UTF8') WHERE {id} = 6")
    report = audit.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.notification_id) == ("changed", 6)


def test_a_changed_topic_or_version_is_named_too(services: Services) -> None:
    audit = sealed(services)
    tamper(services, "UPDATE {table} SET topic = 'domain.candidate:Candidate.PersonalDataErased' WHERE {id} = 3")
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("changed", 3)


def test_a_deleted_record_is_named(services: Services) -> None:
    audit = sealed(services)
    tamper(services, "DELETE FROM {table} WHERE {id} = 5")
    report = audit.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.notification_id) == ("deleted", 5)


def test_two_swapped_records_are_named_at_the_first(services: Services) -> None:
    audit = sealed(services)
    table, id_column = events_table(services)
    with services.database.read() as tx:
        a, b = tx.fetchall(f"SELECT originator_id, originator_version, topic, state FROM {table} "
                           f"WHERE {id_column} IN (3, 8) ORDER BY {id_column}")
    tamper(services, "UPDATE {table} SET originator_version = -1 WHERE {id} = 3")
    tamper(services, "UPDATE {table} SET originator_id = ?, originator_version = ?, topic = ?, state = ? WHERE {id} = 8",
           (a["originator_id"], a["originator_version"], a["topic"], a["state"]))
    tamper(services, "UPDATE {table} SET originator_id = ?, originator_version = ?, topic = ?, state = ? WHERE {id} = 3",
           (b["originator_id"], b["originator_version"], b["topic"], b["state"]))
    report = audit.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.notification_id) == ("reordered", 3)
    assert "record 8" in report.problem.detail


def test_a_record_slipped_into_a_hole_between_sealed_ones_is_named(services: Services) -> None:
    register(services, 10)
    # A hole, as PostgreSQL leaves after a rolled-back insert: record 10 is numbered 20.
    tamper(services, "UPDATE {table} SET {id} = 20 WHERE {id} = 10")
    audit = audit_of(services)
    assert audit.write_checkpoint(force=True) == 1
    assert audit.verify().ok
    table, id_column = events_table(services)
    with services.database.read() as tx:
        row = tx.fetchone(f"SELECT originator_id, topic, state FROM {table} WHERE {id_column} = 2")
    assert row is not None
    columns = "originator_id, originator_version, topic, state, " + id_column
    tamper(services, f"INSERT INTO {{table}} ({columns}) VALUES (?, 99, ?, ?, 15)", (row["originator_id"], row["topic"], row["state"]))
    report = audit.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.notification_id) == ("inserted", 15)


def test_a_forged_or_removed_checkpoint_is_reported(services: Services) -> None:
    audit = sealed(services)
    with services.database.transaction() as tx:
        tx.execute("UPDATE log_checkpoints SET created_at = '2020-01-01T00:00:00+00:00' WHERE sequence = 2")
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "checkpoint_signature"
    assert report.problem.notification_id == 5
    with services.database.transaction() as tx:
        tx.execute("DELETE FROM log_checkpoints WHERE sequence = 2")
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "checkpoint_missing"


def test_erasing_a_person_keeps_the_chain_valid(services: Services) -> None:
    audit = sealed(services)
    candidate_id = register(services, 1, start=500)[0]
    audit.write_checkpoint(force=True)
    services.app.erase_candidate(candidate_id, Reason("demande_rgpd", "courrier"), "personne", compliance())
    report = audit.verify()
    assert report.ok, report.problem


def test_two_processes_sealing_at_once_write_each_checkpoint_once(make_services: Callable[..., Services]) -> None:
    first = make_services()
    register(first, 30)
    others = [make_services() for _ in range(2)]
    for services in (first, *others):
        audit_of(services).checkpoints.every = 7
    errors: list[BaseException] = []

    def seal(services: Services) -> None:
        try:
            audit_of(services).write_checkpoint(force=True)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=seal, args=(services,)) for services in (first, *others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit_of(first).verify()
    assert report.ok and report.checkpoints == 5 and report.unanchored == 0
    outside = audit_of(first).mark
    mark = outside.read() if outside is not None else None
    assert mark is not None and (mark.sequence, mark.last_id) == (5, 30)  # the mark outside names the last one


@pytest.fixture
def postgres_services(postgres_url: str, tmp_path: Path, clock: Any, fast_passwords: Any) -> Iterator[Services]:
    services = bootstrap(settings_for(tmp_path, postgres_url), clock=clock, passwords=fast_passwords)
    try:
        yield services
    finally:
        services.close()


@pytest.mark.postgres
def test_holes_in_postgresql_notification_ids_are_chained_over(postgres_services: Services) -> None:
    # PostgreSQL only: SQLite row ids have no holes.
    _chain_over_holes(postgres_services)


def _chain_over_holes(services: Services) -> None:
    register(services, 3)
    with services.database.transaction() as tx:
        tx.execute("SELECT nextval(pg_get_serial_sequence('relais_events', 'notification_id'))")
        tx.execute("SELECT nextval(pg_get_serial_sequence('relais_events', 'notification_id'))")
    register(services, 3, start=10)
    with services.database.read() as tx:
        ids = [row["notification_id"] for row in tx.fetchall("SELECT notification_id FROM relais_events ORDER BY 1")]
    assert ids[3] - ids[2] > 1  # a hole
    audit = audit_of(services)
    assert audit.write_checkpoint() == 1
    assert audit.verify().ok


def test_the_bytes_hashed_follow_the_documented_formula_on_each_store(services: Services) -> None:
    from infrastructure.log_chain import preimage

    register(services, 3)
    records = audit_of(services).records
    expected = [(record[0], preimage(*record[1:])) for record in records.records()]
    assert len(expected) == 3 and expected[0][1][:16] == services.app.recorder.select_notifications(1, 1)[0].originator_id.bytes
    assert list(records.preimages()) == expected
    # Checkpoint format 3 hashes frames: on PostgreSQL the rows of a binary COPY, read as they come.
    from infrastructure.log_chain import frame

    assert [bytes(framed) for page in records.frames() for framed in page] == [frame(*record) for record in records.records()]


def _as_format_1(services: Services, audit: AuditLog) -> None:
    """Re-sign every checkpoint as format 1 did (the record list's digest not signed), as older logs hold them."""
    _resign(services, audit, 1)


def _resign(services: Services, audit: AuditLog, format_: int) -> None:
    """Re-sign every checkpoint as an older format did; format 2 had no records' digest column either."""
    from dataclasses import replace

    for checkpoint, _ in list(audit.checkpoints.with_entries()):
        older = replace(checkpoint, records_sha256=b"") if format_ == 2 else replace(checkpoint, entries_sha256=b"")
        signature = audit.checkpoints.key.sign(older.message())
        with services.database.transaction() as tx:
            tx.execute("UPDATE log_checkpoints SET signature = ? WHERE sequence = ?",
                       (base64.b64encode(signature).decode("ascii"), checkpoint.sequence))
            if format_ == 2:
                tx.execute("UPDATE log_checkpoints SET records_sha256 = NULL WHERE sequence = ?", (checkpoint.sequence,))


def _alter_record_list(services: Services, sequence: int) -> None:
    """Change one digest in a checkpoint's record list, as someone with SQL access could."""
    with services.database.read() as tx:
        row = tx.fetchone("SELECT entries FROM log_checkpoints WHERE sequence = ?", (sequence,))
    assert row is not None
    entries = bytearray(base64.b64decode(row["entries"]))
    entries[-1] ^= 1
    with services.database.transaction() as tx:
        tx.execute("UPDATE log_checkpoints SET entries = ? WHERE sequence = ?",
                   (base64.b64encode(bytes(entries)).decode("ascii"), sequence))


@pytest.mark.parametrize("format_", [1, 2])
def test_checkpoints_signed_in_format_1_or_2_still_verify_and_still_catch_a_change(services: Services, format_: int) -> None:
    audit = sealed(services)
    assert [c.format for c, _ in audit.checkpoints.with_entries()] == [3, 3, 3]  # new ones sign the records' digest
    _resign(services, audit, format_)
    assert audit.verify().ok
    tamper(services, "DELETE FROM {table} WHERE {id} = 7")
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("deleted", 7)


def test_an_altered_record_list_is_reported_in_either_format(services: Services) -> None:
    audit = sealed(services)
    _alter_record_list(services, 2)  # format 2: the list's digest is signed
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("checkpoint_signature", 5)
    _as_format_1(services, audit)  # format 1: the list must lead to the signed head
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("checkpoint_missing", 5)


def test_a_records_digest_changed_or_added_by_hand_is_caught_or_ignored(services: Services) -> None:
    audit = sealed(services)
    with services.database.transaction() as tx:
        tx.execute("UPDATE log_checkpoints SET records_sha256 = ? WHERE sequence = 2", ("00" * 32,))
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("checkpoint_signature", 5)
    _resign(services, audit, 2)
    with services.database.transaction() as tx:  # a digest added to a format-2 checkpoint: not signed, so not used
        tx.execute("UPDATE log_checkpoints SET records_sha256 = ? WHERE sequence = 2", ("00" * 32,))
    assert audit.verify().ok


def test_the_first_bad_record_of_a_later_stretch_is_named_after_the_good_ones(services: Services) -> None:
    audit = sealed(services)  # stretches 1-4, 5-8, 9-10
    tamper(services, "DELETE FROM {table} WHERE {id} = 8")  # the last of its stretch: the next one slides in
    tamper(services, "UPDATE {table} SET state = state || CAST('x' AS BLOB) WHERE {id} = 10"
           if services.database.dialect == "sqlite" else "UPDATE {table} SET state = state || '\\x78'::bytea WHERE {id} = 10")
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("deleted", 8)
    assert report.checkpoints == 1 and report.anchored_upto == 4 and report.records == 7


def test_a_checkpoint_sealed_while_the_log_is_read_is_left_for_the_next_verification(services: Services) -> None:
    audit = sealed(services)
    read = audit.records.frame_stream

    def records_then_more(after: int = 0) -> Any:
        stream = read(after)  # the records' snapshot is taken: what follows is not in it
        audit.records.frame_stream = read  # type: ignore[method-assign]  # (sealing reads the log too)
        register(services, 4, start=200)
        assert len(audit.checkpoints.write_checkpoint()) == 1
        return stream

    audit.records.frame_stream = records_then_more  # type: ignore[method-assign]
    report = audit.verify()
    assert report.ok, report.problem
    assert (report.records, report.checkpoints, report.unanchored) == (10, 3, 0)
    report = audit.verify()
    assert report.ok and (report.records, report.checkpoints) == (14, 4)


@pytest.mark.postgres
def test_a_verification_stopped_at_a_problem_cancels_its_copy_and_gives_its_connection_back(
    postgres_services: Services,
) -> None:
    services = postgres_services
    register(services, 60)
    audit = audit_of(services)
    audit.checkpoints.every = 5
    audit.write_checkpoint(force=True)
    tamper(services, "DELETE FROM {table} WHERE {id} = 2")
    for _ in range(3):  # more times than the pool would lend connections stuck in a COPY
        report = audit.verify()
        assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("deleted", 2)
    with services.database.read() as tx:
        row = tx.fetchone("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
                          "AND state = 'active' AND query LIKE 'COPY%'")
    assert row is not None and row["n"] == 0


@pytest.mark.postgres
def test_while_verify_log_waits_for_postgresql_the_other_threads_of_the_process_keep_running(
    postgres_url: str,
) -> None:
    # The auditors' integrity page and the checkpoint job run in web workers: a wait for the server in
    # the middle of the log's COPY must not hold the GIL, or every request of that worker stops with it.
    # Here the server cannot send the third row until another thread of this process runs: it holds the
    # lock the third row waits for, and lets it go once the first row has been read. A reader that waited
    # with the GIL held would never let that thread run; the server's statement timeout then ends the
    # COPY with an error instead of a hang. No forced GIL switch meanwhile (a long switch interval): the
    # other thread runs only when the reader gives the GIL up by itself.
    first_row_read, released = threading.Event(), threading.Event()
    slow_third_row = ("COPY (SELECT n, repeat('x', 100000), CASE WHEN n = 3 THEN pg_advisory_xact_lock(7346099) END "
                      "FROM generate_series(1, 5) n) TO STDOUT (FORMAT binary)")
    with psycopg.connect(postgres_url, autocommit=True) as holder, psycopg.connect(postgres_url) as connection:
        holder.execute("SELECT pg_advisory_lock(7346099)")

        def release_after_the_first_row() -> None:
            first_row_read.wait()
            holder.execute("SELECT pg_advisory_unlock(7346099)")
            released.set()

        connection.execute("SET statement_timeout = '30s'")
        releaser = threading.Thread(target=release_after_the_first_row)
        releaser.start()
        interval = sys.getswitchinterval()
        sys.setswitchinterval(60.0)
        sizes: list[int] = []
        try:
            with connection.cursor() as cursor, cursor.copy(slow_third_row):
                get = copy_data_reader(connection.pgconn)
                while (size := get()[0]) > 2:  # 2: the binary COPY's trailer
                    sizes.append(size)
                    first_row_read.set()
                assert get()[0] == -1  # the end, then the COPY's result, as EventRecords reads them
                while connection.pgconn.get_result() is not None:
                    pass
        finally:
            sys.setswitchinterval(interval)
            first_row_read.set()
            releaser.join()
    assert released.is_set() and len(sizes) == 5  # the header comes with the first row
