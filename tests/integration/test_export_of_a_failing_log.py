"""An export checks the log first (review 7, finding 1): a log edited with SQL is not exported, unless
an investigation asks for it as it is, and the signed manifest always says what the check found."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from infrastructure.bootstrap import Services
from infrastructure.export_chain import MANIFEST, Manifest
from infrastructure.export_verifier import verify_export
from infrastructure.log_export import LogIntegrityFailed
from infrastructure.log_report import ExpectedHead
from tests.integration.helpers import compliance, domain_events
from tests.integration.test_log_integrity import sealed, tamper



def edit_record_6(services: Services) -> None:
    """Someone with SQL access moves record 6's person to another agency."""
    tamper(services, "UPDATE {table} SET state = REPLACE(state, CAST('lyon-est' AS BLOB), CAST('lyon-sud' AS BLOB)) WHERE {id} = 6"
           if services.database.dialect == "sqlite" else
           "UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), 'lyon-est', 'lyon-sud'), 'UTF8') WHERE {id} = 6")


def test_a_clean_export_carries_the_signed_head_that_verify_log_later_holds_the_log_to(
    services: Services, tmp_path: Path
) -> None:
    audit = sealed(services)
    report = audit.verify()
    result = audit.exporter.export(tmp_path / "x", requested_by=compliance())
    integrity = result.manifest.log_integrity
    assert integrity is not None and integrity["ok"] is True and integrity["problem"] is None
    assert (integrity["head_id"], integrity["head"], integrity["records"]) == (report.head_id, report.head, 10)
    assert verify_export(tmp_path / "x", audit.key.public_key).ok  # the field is under the signature
    anchor = ExpectedHead(integrity["head_id"], bytes.fromhex(integrity["head"]), "the export's manifest")
    assert audit.verify(expected=(anchor,)).ok
    # Later, someone edits a record and deletes every checkpoint (checked without the mark file, as after
    # losing it): the head the export carries, held outside the database, still catches it.
    edit_record_6(services)
    with services.database.transaction() as tx:
        tx.execute("DELETE FROM log_checkpoints")
    assert audit.verify(expected=(anchor,), ignore_mark=True).problem.kind == "head_mismatch"


def test_a_log_edited_with_sql_is_not_exported_and_nothing_is_written_nor_recorded(
    services: Services, tmp_path: Path
) -> None:
    audit = sealed(services)
    edit_record_6(services)
    before = len(domain_events(services))
    with pytest.raises(LogIntegrityFailed, match="at notification 6") as refused:
        audit.exporter.export(tmp_path / "x", requested_by=compliance())
    assert refused.value.report.problem.kind == "changed"
    assert not (tmp_path / "x").exists()
    assert len(domain_events(services)) == before  # no LogExport.Made


def test_an_investigation_exports_the_failing_log_as_it_is_and_the_manifest_says_it_failed(
    services: Services, tmp_path: Path
) -> None:
    audit = sealed(services)
    edit_record_6(services)
    result = audit.exporter.export(tmp_path / "x", requested_by=compliance(), despite_integrity_failure=True)
    written = json.loads((tmp_path / "x" / MANIFEST).read_bytes())["log_integrity"]
    assert written["ok"] is False and written["problem"]["kind"] == "changed"
    assert written["problem"]["notification_id"] == 6
    assert Manifest.parse((tmp_path / "x" / MANIFEST).read_bytes()).log_integrity == written
    assert result.manifest.count == 10
    assert verify_export(tmp_path / "x", audit.key.public_key).ok  # the export itself is authentic


def test_the_log_records_whether_each_export_was_checked_clean_or_taken_despite_a_failure(
    services: Services, tmp_path: Path
) -> None:
    audit = sealed(services)
    audit.exporter.export(tmp_path / "clean", requested_by=compliance())
    edit_record_6(services)
    audit.exporter.export(tmp_path / "as-it-is", requested_by=compliance(), despite_integrity_failure=True)
    made = [e for e in domain_events(services) if type(e).__qualname__ == "LogExport.Made"]
    assert [e.log_integrity for e in made] == ["verified", "failed: changed"]
