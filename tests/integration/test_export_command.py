"""`relais export` runs without the application until the export is written (its memory is its process
plus its workers, docs/adr/0014), and writes what the application's exporter writes — on SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.export_command import EVENTS_TABLES, export_log
from infrastructure.log_export import ExportNotRecorded
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from tests.conftest import settings_for
from tests.integration.test_cli import Relais
from tests.integration.test_export_decoding import a_day_of_work

#: Modules of the application's wiring that an export never needs.
HEAVY = ("infrastructure.bootstrap", "application.app", "numpy", "scipy", "litestar", "mistralai", "argon2", "holidays")
LOADED_WHEN_RECORDING = """
import json, sys
from pathlib import Path
import web.cli  # what `relais export` has imported when the command starts
from infrastructure.export_command import export_log
from infrastructure.settings import Settings

seen = []
result = export_log(Settings.from_env(), Path(sys.argv[1]),
                    record=lambda *export, row: seen.append(sorted(m for m in {heavy!r} if m in sys.modules)))
print(json.dumps({{"loaded_when_recording": seen, "count": result.manifest.count}}))
"""


def test_the_export_names_the_events_table_the_application_records_into(services: Services) -> None:
    recorder = services.app.recorder
    assert EVENTS_TABLES[services.database.dialect] == recorder.events_table_name
    assert (getattr(getattr(recorder, "datastore", None), "schema", None) or "public") == "public"


def test_relais_export_loads_no_application_module_until_the_export_is_written(store: str | None, tmp_path: Path) -> None:
    services = bootstrap(settings_for(tmp_path, store), passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    try:
        a_day_of_work(services)
        recorded = services.audit.records.max_id()  # type: ignore[union-attr]
    finally:
        services.close()
    env = Relais(tmp_path, store).env  # the data folder of settings_for(tmp_path, store)
    done = subprocess.run(
        [sys.executable, "-c", LOADED_WHEN_RECORDING.format(heavy=HEAVY), str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer == {"loaded_when_recording": [[]], "count": recorded}


def test_relais_export_writes_the_lines_and_rows_of_the_applications_exporter(services: Services, store: str | None,
                                                                             tmp_path: Path) -> None:
    a_day_of_work(services)  # ends with an erasure
    assert services.audit is not None
    wired = services.audit.exporter.export(tmp_path / "wired")  # records itself: one event more for the next
    alone = export_log(settings_for(tmp_path, store), tmp_path / "alone", record=lambda *export, row: None)
    count = wired.manifest.count
    assert alone.manifest.count == count + 1 and alone.manifest.previous_head == wired.manifest.head
    for name in ("events.jsonl", "events.csv"):
        rows = count if name == "events.jsonl" else count + 1  # the CSV's header
        assert (tmp_path / "alone" / name).read_bytes().splitlines()[:rows] == (tmp_path / "wired" / name).read_bytes().splitlines()


def test_relais_export_on_a_new_database_migrates_it_then_records_the_export(tmp_path: Path) -> None:
    settings = Settings.from_env({"RELAIS_DATA_DIR": str(tmp_path / "data"), "RELAIS_SEED_DEMO": "0"})
    result = export_log(settings, tmp_path / "out")
    assert result.manifest.count == 0
    services = bootstrap(settings, run_migrations=False, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    try:
        assert services.audit is not None
        again = services.audit.exporter.export(tmp_path / "again")
    finally:
        services.close()
    assert again.manifest.count == 1  # the first export, recorded as LogExport.Made
    line = json.loads((tmp_path / "again" / "events.jsonl").read_text(encoding="utf-8"))
    assert line["type"] == "fr.relais.LogExport.Made" and line["data"]["provenance"]["actor_id"].startswith("cli:")


def test_relais_export_that_the_application_could_not_record_writes_nothing_and_says_why(store: str | None,
                                                                                        tmp_path: Path) -> None:
    """Review finding R4: the application refuses to start with another phone-claim key, so recording
    the export would fail once its files were written. The command checks that first."""
    services = bootstrap(settings_for(tmp_path, store), passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    try:
        a_day_of_work(services)  # phone claims made with the key derived from the master key
    finally:
        services.close()
    relais = Relais(tmp_path, store)
    relais.env["RELAIS_PHONE_KEY"] = base64.b64encode(os.urandom(32)).decode()
    done = relais("export", "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert "relais: error: nothing was exported, since the export could not be recorded in the log" in done.stderr
    assert "RELAIS_PHONE_KEY" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    del relais.env["RELAIS_PHONE_KEY"]
    again = relais("export", "--out", str(tmp_path / "again"))  # with the right key, the export runs and is recorded
    assert again.returncode == 0, again.stderr


def test_an_export_whose_recording_fails_leaves_no_file_and_no_head_for_the_next(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)

    def failing(*export: object, row: object) -> None:
        raise RuntimeError("the application did not start")

    with pytest.raises(ExportNotRecorded, match="could not be recorded in the log .RuntimeError: the application did not start"):
        export_log(settings, tmp_path / "out", record=failing)
    assert list((tmp_path / "out").iterdir()) == []
    recorded = export_log(settings, tmp_path / "next", record=lambda *export, row: None)
    assert recorded.manifest.previous_head is None  # the failed export named no head
