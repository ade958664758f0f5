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
from infrastructure.log_mark import MARK_ID_KEY, legacy_mark_path
from infrastructure.log_report import ExpectedHead
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
        audit.checkpoints.write_checkpoint(force=True)
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
        audit.checkpoints.write_checkpoint(force=True)
    assert not audit.mark.never_written()  # the database records that a mark was written: no automatic new one
    with pytest.raises(SealRefusedError, match="is missing"):
        audit.scheduled_jobs()
    assert audit.checkpoints.count() == 3 and not audit.mark.path.exists()


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
    wrong = ExpectedHead(12, bytes(32), "the head given with --expect-head")
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
        audit.checkpoints.write_checkpoint(force=True)


def test_the_demo_is_sealed_as_soon_as_it_is_seeded(tmp_path: Path, clock: Any, fast_passwords: Any) -> None:
    services = bootstrap(settings_for(tmp_path), clock=clock, passwords=fast_passwords)
    try:
        assert seed_demo(services, tmp_path / "demo-logins.txt") is not None
        report = audit_of(services).verify()
        assert report.ok and report.checkpoints >= 1 and report.unanchored == 0
        assert report.anchored_upto == audit_of(services).records.max_id()
    finally:
        services.close()


def _forget_the_mark_id(services: Services) -> None:
    with services.database.transaction() as tx:
        tx.execute("DELETE FROM app_state WHERE key = ?", (MARK_ID_KEY,))


def test_the_same_database_reached_through_another_spelling_of_its_url_finds_the_same_mark(
    services: Services, store: str | None, tmp_path: Path, clock: Any, fast_passwords: Any,
) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    if store is None:  # the SQLite file through a symbolic link to the data folder
        (tmp_path / "alias").symlink_to(tmp_path)
        url = f"sqlite:///{tmp_path / 'alias' / 'relais.sqlite'}"
    else:  # the PostgreSQL server by name rather than by address
        url = store.replace("@127.0.0.1:", "@localhost:")
    assert url != (store or f"sqlite:///{tmp_path / 'relais.sqlite'}")
    other = bootstrap(settings_for(tmp_path, url), clock=clock, passwords=fast_passwords)
    try:
        assert audit_of(other).mark is not None and audit_of(other).mark.path == audit.mark.path  # type: ignore[union-attr]
        assert audit_of(other).verify().ok
        register(other, 1, start=100)
        assert audit_of(other).write_checkpoint(force=True) == 1
        assert audit.verify().ok and audit.mark.read().sequence == 4  # type: ignore[union-attr]
    finally:
        other.close()


def test_a_log_sealed_before_marks_existed_gets_its_first_mark_after_one_clean_verification(services: Services) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    audit.mark.path.unlink()
    _forget_the_mark_id(services)  # as an older version left it: checkpoints, no mark, no id
    assert audit.mark.never_written() and audit.mark.read() is None
    with pytest.raises(SealRefusedError, match="no high-water mark yet"):
        audit.checkpoints.write_checkpoint(force=True)  # a seal alone never writes the first mark
    assert audit.verify().ok  # clean: the first mark is written
    mark = audit.mark.read()
    assert mark is not None and mark.sequence == 3 and not audit.mark.never_written()
    # The scheduler's tick does the same on its own: verified first, then sealed.
    audit.mark.path.unlink()
    _forget_the_mark_id(services)
    register(services, 2, start=100)
    assert audit.scheduled_jobs() == 1
    mark = audit.mark.read()
    assert mark is not None and mark.sequence == 4 and audit.verify().ok


def test_a_log_sealed_before_marks_existed_whose_records_were_edited_gets_no_mark(services: Services) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    audit.mark.path.unlink()
    _forget_the_mark_id(services)
    _edit_record(services, 6)
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "changed"
    with pytest.raises(SealRefusedError, match="no high-water mark yet"):
        audit.scheduled_jobs()
    assert audit.mark.never_written() and audit.mark.files() == []


def test_a_mark_id_deleted_or_changed_by_sql_makes_the_mark_missing(services: Services) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    _forget_the_mark_id(services)  # the file is still in the folder: no automatic first mark
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "mark_missing"
    assert "the database records no high-water mark" in report.problem.detail
    with pytest.raises(SealRefusedError):
        audit.scheduled_jobs()
    with services.database.transaction() as tx:
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", (MARK_ID_KEY, "0123456789abcdef"))
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "mark_missing"
    assert "log-mark-0123456789abcdef.json is missing" in report.problem.detail
    with pytest.raises(SealRefusedError, match="is missing"):
        audit.scheduled_jobs()


def test_deleting_every_checkpoint_and_the_mark_id_by_sql_still_fails_since_the_mark_file_remains(
    services: Services,
) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    _edit_record(services, 6)
    _delete_checkpoints(services)
    _forget_the_mark_id(services)  # the database alone now looks like a log never sealed
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "mark_missing"
    assert "records neither checkpoints nor a high-water mark" in report.problem.detail
    with pytest.raises(SealRefusedError, match="records neither checkpoints"):
        audit.scheduled_jobs()
    assert audit.checkpoints.count() == 0
    audit.mark.claim_identity()  # what `relais verify-log --new-mark` does after an investigation
    assert audit.verify().ok and audit.write_checkpoint(force=True)


def test_a_mark_named_after_the_url_by_an_older_version_is_kept(services: Services) -> None:
    audit = sealed(services)
    assert audit.mark is not None
    legacy = legacy_mark_path(services.settings.data_dir, services.settings.database)
    audit.mark.path.rename(legacy)
    _forget_the_mark_id(services)
    assert audit.mark.path == legacy and audit.verify().ok
    _delete_checkpoints(services, from_sequence=3)  # the legacy mark still names checkpoint 3
    report = audit.verify()
    assert report.problem is not None and report.problem.kind == "checkpoints_deleted"


def test_the_mark_is_kept_in_relais_log_mark_dir_when_it_is_set(
    store: str | None, tmp_path: Path, clock: Any, fast_passwords: Any,
) -> None:
    shared = tmp_path / "shared"
    services = bootstrap(settings_for(tmp_path / "data", store, RELAIS_LOG_MARK_DIR=str(shared)), clock=clock,
                         passwords=fast_passwords)
    try:
        audit = sealed(services)
        assert audit.mark is not None and audit.mark.path.parent == shared and audit.mark.path.exists()
        assert list((tmp_path / "data").glob("log-mark-*.json")) == []
    finally:
        services.close()
