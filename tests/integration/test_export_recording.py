"""An export's recording is one transaction: the `LogExport.Made` event and its row in log_exports
(whose head the next export names as `previous_head`) commit together or not at all, in the web
process and in `relais export` (review finding 4, session 6) — on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infrastructure.bootstrap import Services
from infrastructure.export_command import export_log
from infrastructure.log_export import ExportNotRecorded, LogExporter
from tests.conftest import settings_for
from tests.integration.test_export_decoding import a_day_of_work


def failing_after_the_row(row: Callable[[Any], None]) -> Callable[[Any], None]:
    """The export's row is written, then the database refuses the next statement of that transaction."""

    def write(tx: Any) -> None:
        row(tx)
        tx.execute("UPDATE log_exports SET no_such_column = 1")

    return write


def break_the_row(patched: pytest.MonkeyPatch) -> None:
    make_row = LogExporter._row
    patched.setattr(LogExporter, "_row", lambda self, *args: failing_after_the_row(make_row(self, *args)))


def recorded_export_ids(directory: Path) -> list[str]:
    lines = (json.loads(line) for line in (directory / "events.jsonl").read_text(encoding="utf-8").splitlines())
    return [line["data"]["export_id"] for line in lines if line["type"] == "fr.relais.LogExport.Made"]


def rows(services: Services) -> list[str]:
    with services.database.read() as tx:
        return [row["id"] for row in tx.fetchall("SELECT id FROM log_exports ORDER BY finished_at, id")]


def test_a_failed_write_of_the_exports_row_leaves_neither_the_event_nor_the_row(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert services.audit is not None
    exporter = services.audit.exporter
    a_day_of_work(services)
    first = exporter.export(tmp_path / "first", export_id="first")
    with monkeypatch.context() as patched:
        break_the_row(patched)
        with pytest.raises(ExportNotRecorded, match="could not be recorded in the log"):
            exporter.export(tmp_path / "failed", export_id="failed")
    assert list((tmp_path / "failed").iterdir()) == []
    assert rows(services) == ["first"]
    following = exporter.export(tmp_path / "following", export_id="following")
    assert following.manifest.previous_head == first.manifest.head
    assert following.manifest.count == first.manifest.count + 1  # the first export's event, not the failed one's
    assert recorded_export_ids(tmp_path / "following") == ["first"]
    assert rows(services) == ["first", "following"]


def test_relais_export_whose_row_fails_records_nothing_and_the_next_names_the_last_recorded_head(
    services: Services, store: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`relais export` records with an application of its own (another connection): the row goes there too."""
    a_day_of_work(services)
    settings = settings_for(tmp_path, store)
    first = export_log(settings, tmp_path / "first")
    with monkeypatch.context() as patched:
        break_the_row(patched)
        with pytest.raises(ExportNotRecorded, match="could not be recorded in the log"):
            export_log(settings, tmp_path / "failed")
    assert list((tmp_path / "failed").iterdir()) == []
    following = export_log(settings, tmp_path / "following")
    assert following.manifest.previous_head == first.manifest.head
    assert following.manifest.count == first.manifest.count + 1
    assert len(recorded_export_ids(tmp_path / "following")) == 1
    assert len(rows(services)) == 2


def test_a_failure_while_signing_leaves_no_file_behind(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert services.audit is not None
    a_day_of_work(services)

    def full_disk(*_: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(services.audit.exporter.key), "sign_base64", full_disk)
    with pytest.raises(OSError, match="No space left"):
        services.audit.exporter.export(tmp_path / "out", export_id="unsigned")
    assert list((tmp_path / "out").iterdir()) == []  # the lines were written, in clear: they went too
    assert rows(services) == []


def test_an_export_is_not_written_over_another(services: Services, tmp_path: Path) -> None:
    assert services.audit is not None
    a_day_of_work(services)
    services.audit.exporter.export(tmp_path / "out")
    before = {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()}
    with pytest.raises(FileExistsError, match="already holds an export's files"):
        services.audit.exporter.export(tmp_path / "out")
    assert {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()} == before
