"""The high-water mark kept outside the database, on SQLite and PostgreSQL (issue 5 §5, docs/adr/0014).

Someone with SQL access edits sealed records and deletes the checkpoints that covered them: the
database alone then describes a shorter log that verifies. The mark file beside the signing key,
and the heads an auditor keeps, make verify-log fail, and nothing is sealed over it.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.checkpoints import SealRefusedError
from infrastructure.demo import seed_demo
from infrastructure.log_verifier import ExpectedHead
from tests.conftest import settings_for
from tests.integration.test_log_integrity import audit_of, register, sealed, tamper


def _edit_record(services: Services, notification_id: int) -> None:
    tamper(services, "UPDATE {table} SET originator_version = originator_version + 40 WHERE {id} = ?", (notification_id,))


def _delete_checkpoints(services: Services, from_sequence: int = 1) -> None:
    with services.database.transaction() as tx:
        tx.execute("DELETE FROM log_checkpoints WHERE sequence >= ?", (from_sequence,))


def test_a_sealed_log_verifies_and_its_mark_names_the_latest_checkpoint_in_a_private_file(services: Services) -> None:
    audit = sealed(services)  # checkpoints 1-3 over records 1..10
    assert audit.mark is not None
    mark = audit.mark.read()
    latest = audit.checkpoints.latest()
    assert mark is not None and latest is not None
    assert (mark.sequence, mark.last_id, mark.head, mark.signature) == (3, 10, latest.head, latest.signature)
    assert stat.S_IMODE(os.stat(audit.mark.path).st_mode) == 0o600
    assert audit.mark.path.parent == services.settings.data_dir  # beside signing.key
    assert audit.verify().ok


def test_an_edited_record_whose_checkpoints_were_all_deleted_fails_and_is_not_sealed_again(services: Services) -> None:
    audit = sealed(services)
    _edit_record(services, 6)
    _delete_checkpoints(services)
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "checkpoints_deleted"
    assert report.problem.notification_id is None  # its checkpoints are gone: it cannot be named
    assert "checkpoints up to 3 are missing" in report.problem.detail
    assert "at least one of them was changed" in report.problem.detail
    with pytest.raises(SealRefusedError):
        audit.checkpoints.seal_tick()
    assert audit.checkpoints.count() == 0 and not audit.verify().ok


def test_deleting_only_the_newest_checkpoints_fails_whether_or_not_their_records_were_edited(services: Services) -> None:
    audit = sealed(services)  # stretches 1-4, 5-8, 9-10
    _delete_checkpoints(services, from_sequence=3)
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "checkpoints_deleted"
    assert "checkpoint 3 is missing" in report.problem.detail and "they are as they were sealed" in report.problem.detail
    _edit_record(services, 9)
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "checkpoints_deleted"
    assert "records after notification 8" in report.problem.detail and "up to notification 10" in report.problem.detail
    with pytest.raises(SealRefusedError):
        audit.write_checkpoint(force=True)
    assert audit.checkpoints.count() == 2


def test_an_edited_record_under_a_checkpoint_still_there_is_named_even_when_later_ones_were_deleted(
    services: Services,
) -> None:
    audit = sealed(services)
    _edit_record(services, 2)
    _delete_checkpoints(services, from_sequence=2)
    report = audit.verify()
    assert report.problem is not None and (report.problem.kind, report.problem.notification_id) == ("changed", 2)


def test_a_mark_deleted_while_checkpoints_exist_fails_with_a_clear_message_and_nothing_is_sealed(services: Services) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    audit.mark.path.unlink()
    register(services, 2, start=100)
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "mark_missing"
    assert f"the high-water mark {audit.mark.path} is missing" in report.problem.detail
    assert "checkpoints up to 3" in report.problem.detail
    with pytest.raises(SealRefusedError, match="is missing"):
        audit.checkpoints.seal_tick()
    assert audit.checkpoints.count() == 3


def test_an_unreadable_mark_fails_too(services: Services) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    audit.mark.path.write_text("{not json")
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "mark_missing"
    assert "is not a relais-log-mark/1 file" in report.problem.detail


def test_a_brand_new_database_without_a_mark_verifies_and_its_first_seal_writes_the_mark(services: Services) -> None:
    audit = audit_of(services)
    assert audit.mark is not None and audit.mark.read() is None
    assert audit.verify().ok
    register(services, 3)
    assert audit.verify().ok  # records, no checkpoint, no mark: nothing was sealed yet
    assert audit.write_checkpoint(force=True) == 1
    mark = audit.mark.read()
    assert mark is not None and (mark.sequence, mark.last_id) == (1, 3)


def test_an_expected_head_given_by_an_auditor_must_be_reached(services: Services) -> None:
    audit = sealed(services)
    register(services, 2, start=100)  # records 11, 12: not sealed yet
    report = audit.verify()
    assert report.ok and report.head_id == 12
    printed = ExpectedHead.parse(f"{report.head_id}:{report.head}")
    assert audit.verify(expected=(printed,)).ok
    wrong = ExpectedHead(12, bytes(32), "the head given for notification 12")
    report = audit.verify(expected=(wrong,))
    assert report.problem is not None and report.problem.kind == "head_mismatch"
    # A head inside a sealed stretch (record 6 of checkpoint 2) is checked against its signed record list.
    with services.database.read() as tx:
        row = tx.fetchone("SELECT head FROM log_checkpoints WHERE sequence = 1")
    assert row is not None
    assert audit.verify(expected=(ExpectedHead(4, bytes.fromhex(row["head"]), "test"),)).ok
    report = audit.verify(expected=(ExpectedHead(6, bytes.fromhex(row["head"]), "test"),))
    assert report.problem is not None and report.problem.kind == "head_mismatch"
    # The unsealed records edited: the head the auditor kept is no longer reached.
    _edit_record(services, 11)
    report = audit.verify(expected=(printed,))
    assert report.problem is not None and report.problem.kind == "head_mismatch"
    assert "records after notification 10" in report.problem.detail


def test_sealing_never_moves_the_mark_backwards(services: Services) -> None:
    # Three sealers at once: tests/integration/test_log_integrity.py (the mark then names the last checkpoint).
    audit = sealed(services)
    assert audit.mark is not None
    mark = audit.mark.read()
    assert mark is not None and mark.sequence == 3
    # A process that sealed checkpoint 2 and writes its mark late leaves the later mark alone.
    (second,) = [checkpoint for checkpoint, _ in audit.checkpoints.with_entries() if checkpoint.sequence == 2]
    assert audit.mark.advance(second) is False
    assert audit.mark.read() == mark
    assert audit.verify().ok


def test_a_mark_whose_head_a_checkpoint_in_the_database_does_not_hold_fails_and_blocks_sealing(services: Services) -> None:
    # As after checkpoints were deleted and sealed again over altered records (the mark names checkpoint 3).
    audit = sealed(services)
    assert audit.mark is not None
    text = audit.mark.path.read_text()
    mark = audit.mark.read()
    assert mark is not None
    audit.mark.path.write_text(text.replace(mark.head.hex(), "00" * 32))
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "head_mismatch"
    assert "checkpoint 3 verifies, but the chain it seals reaches head" in report.problem.detail
    register(services, 1, start=100)
    with pytest.raises(SealRefusedError, match="does not hold the head"):
        audit.checkpoints.seal_tick()


def test_the_demo_is_sealed_as_soon_as_it_is_seeded(tmp_path: Path, clock: Any, fast_passwords: Any) -> None:
    services = bootstrap(settings_for(tmp_path), clock=clock, passwords=fast_passwords)
    try:
        assert seed_demo(services, tmp_path / "demo-logins.txt") is not None
        report = audit_of(services).verify()
        assert report.ok and report.checkpoints >= 1 and report.unanchored == 0
        assert report.anchored_upto == audit_of(services).records.max_id()
    finally:
        services.close()
