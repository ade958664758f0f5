"""`relais checkpoint | verify-log | export | verify-export | export-public-key`, run as an operator would."""
from __future__ import annotations

import getpass
import json
import subprocess
import sys
from pathlib import Path

from tests.integration.helpers import advisor, details, mobile
from tests.integration.test_cli import Relais, assert_fails, relais, relais_on_each_store  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]


def seed(relais: Relais, count: int = 5, start: int = 0) -> None:
    services = relais.services()
    try:
        for n in range(start, start + count):
            services.app.register_candidate(details(phone=mobile(n)), True, advisor())
    finally:
        services.close()


def edit_with_sql(relais: Relais, *statements: str) -> None:
    """Someone with SQL access changes the stored log behind Relais' back."""
    services = relais.services(run_migrations=False)
    try:
        with services.database.transaction() as tx:
            for statement in statements:
                tx.execute(statement)
    finally:
        services.close()


def test_verify_log_passes_on_a_sealed_log_and_names_a_record_edited_with_sql(relais_on_each_store: Relais) -> None:
    relais = relais_on_each_store
    seed(relais)
    sealed = relais("checkpoint")
    assert sealed.returncode == 0, sealed.stderr
    assert "checkpoint 1: records 1..5" in sealed.stdout
    intact = relais("verify-log")
    assert intact.returncode == 0, intact.stderr
    assert "log intact: 5 records, 1 signed checkpoints" in intact.stdout
    table, column = ("stored_events", "rowid") if relais.env.get("RELAIS_DATABASE_URL") is None else ("relais_events", "notification_id")
    edit_with_sql(relais, f"UPDATE {table} SET originator_version = originator_version + 40 WHERE {column} = 3")
    broken = relais("verify-log")
    assert broken.returncode == 1
    assert "log integrity FAILED at notification 3: changed" in broken.stderr
    assert "Traceback" not in broken.stderr
    # Sealing by hand seals what is new, and says at once that the log fails its check (it stays failing).
    seed(relais, 2, start=10)
    sealed_over = relais("checkpoint")
    assert sealed_over.returncode == 1 and "checkpoint 2: records" in sealed_over.stdout
    assert "WARNING: the log fails its integrity check at notification 3 (changed" in sealed_over.stderr
    assert relais("verify-log").returncode == 1


def test_export_then_verify_export_and_a_tampered_line_is_named(relais: Relais, tmp_path: Path) -> None:
    seed(relais)
    out = tmp_path / "export"
    made = relais("export", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "5 events exported" in made.stdout
    assert "export [" in made.stderr and "100%" in made.stderr  # the progress bar
    assert sorted(p.name for p in out.iterdir()) == ["events.csv", "events.jsonl", "manifest.json", "manifest.sig"]
    checked = relais("verify-export", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "export verified: 5 events" in checked.stdout

    pem = relais("export-public-key")
    assert pem.returncode == 0 and pem.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "key.pem").write_text(pem.stdout)
    assert relais("verify-export", str(out), "--public-key", str(tmp_path / "key.pem")).returncode == 0

    lines = (out / "events.jsonl").read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"Martin", b"Martine")
    (out / "events.jsonl").write_bytes(b"\n".join(lines))
    tampered = relais("verify-export", str(out))
    assert tampered.returncode == 1
    assert "export NOT verified: line 2: altered" in tampered.stderr


def test_export_of_a_period_and_mistakes_on_the_command_line(relais: Relais, tmp_path: Path) -> None:
    seed(relais, 2)
    empty = tmp_path / "future"
    made = relais("export", "--out", str(empty), "--since", "2099-01-01")
    assert made.returncode == 0, made.stderr
    manifest = json.loads((empty / "manifest.json").read_text())
    assert (manifest["count"], manifest["first_sequence"], manifest["last_sequence"]) == (0, None, None)
    assert relais("verify-export", str(empty)).returncode == 0
    everything = tmp_path / "all"
    assert relais("export", "--out", str(everything), "--since", "2000-01-01", "--until", "2099-01-01T10:00").returncode == 0
    second = json.loads((everything / "manifest.json").read_text())
    # The two job seekers, then the first export itself: taking an export is recorded in the log.
    assert second["count"] == 3 and second["previous_head"] == manifest["chain"]["head"]
    recorded = json.loads((everything / "events.jsonl").read_text().splitlines()[-1])
    assert recorded["type"] == "fr.relais.LogExport.Made" and recorded["data"]["count"] == 0
    assert recorded["data"]["provenance"]["actor_id"] == f"cli:{getpass.getuser()}"  # who exported: the OS login

    assert_fails(relais("export", "--out", str(everything)), "not empty")
    a_file = everything / "events.csv"
    assert_fails(relais("export", "--out", str(a_file)), str(a_file), "is a file, not a folder")
    assert_fails(relais("export", "--out", str(a_file / "inside")), "cannot create the folder")
    assert_fails(relais("export", "--out", str(tmp_path / "x"), "--since", "hier"), "--since")
    assert_fails(relais("export", "--out", str(tmp_path / "y"), "--since", "2026-02-01", "--until", "2026-01-01"), "before")
    # The bounds the export form gives its dates (a typo like 1900 or 20266 is not a period anyone means).
    assert_fails(relais("export", "--out", str(tmp_path / "z"), "--until", "1900-01-01"), "--until must be a date between 2000 and 2100")
    assert not (tmp_path / "z").exists()
    assert_fails(relais("verify-export", str(tmp_path / "nowhere")), "not a folder")


def _edit_then_delete_checkpoints(relais: Relais, notification_id: int) -> None:
    table, column = ("stored_events", "rowid") if relais.env.get("RELAIS_DATABASE_URL") is None else ("relais_events", "notification_id")
    edit_with_sql(relais, f"UPDATE {table} SET originator_version = originator_version + 40 WHERE {column} = {notification_id}",
                  "DELETE FROM log_checkpoints")


def test_verify_log_reports_the_log_as_it_is_after_sealing_it(relais: Relais) -> None:
    seed(relais)
    first = relais("verify-log")
    assert first.returncode == 0, first.stderr
    assert "1 new checkpoint(s) written" in first.stdout
    assert "log intact: 5 records, 1 signed checkpoints up to notification 5, 0 newer records not yet sealed" in first.stdout
    head = first.stdout.split("head at notification 5: ")[1].split()[0]
    assert f"relais verify-log --expect-head 5:{head}" in first.stdout
    again = relais("verify-log", "--expect-head", f"5:{head}")
    assert again.returncode == 0, again.stderr
    assert "new checkpoint" not in again.stdout and "1 signed checkpoints up to notification 5" in again.stdout


def test_verify_log_fails_when_sealed_records_were_edited_and_their_checkpoints_deleted(relais_on_each_store: Relais) -> None:
    relais = relais_on_each_store
    seed(relais)
    intact = relais("verify-log")
    assert intact.returncode == 0, intact.stderr
    head = intact.stdout.split("head at notification 5: ")[1].split()[0]
    _edit_then_delete_checkpoints(relais, 3)
    for broken in (relais("verify-log"), relais("verify-log", "--expect-head", f"5:{head}")):
        assert broken.returncode == 1, broken.stdout
        assert "log integrity FAILED: checkpoints_deleted: checkpoint 1 is missing" in broken.stderr
        assert "records after notification 0 (the last one a checkpoint in the database covers) up to notification 5" in broken.stderr
        assert "Traceback" not in broken.stderr and "new checkpoint" not in broken.stdout
    assert relais.rows("SELECT COUNT(*) AS n FROM log_checkpoints")[0]["n"] == 0  # never sealed over it
    refused = relais("checkpoint")
    assert refused.returncode == 1 and "nothing sealed: checkpoints up to 1 are missing" in refused.stderr


def test_a_wrong_expected_head_fails_and_a_malformed_one_is_a_usage_error(relais: Relais) -> None:
    seed(relais)
    wrong = relais("verify-log", "--expect-head", f"4:{'ab' * 32}")
    assert wrong.returncode == 1
    assert "log integrity FAILED: head_mismatch" in wrong.stderr and "notification 4" in wrong.stderr
    assert relais.rows("SELECT COUNT(*) AS n FROM log_checkpoints")[0]["n"] == 0
    assert_fails(relais("verify-log", "--expect-head", "4:abc"), "--expect-head", "64 hex digits")
    beyond = relais("verify-log", "--expect-head", f"99999:{'ab' * 32}")
    assert beyond.returncode == 1
    assert "the log ends at notification 5, before notification 99999 that the head given with --expect-head" in beyond.stderr


def test_a_deleted_mark_fails_until_the_operator_writes_a_new_one_after_a_clean_check(relais: Relais) -> None:
    seed(relais)
    assert relais("checkpoint").returncode == 0
    (mark,) = relais.data_dir.glob("log-mark-*.json")
    mark.unlink()
    missing = relais("verify-log")
    assert missing.returncode == 1
    assert f"mark_missing: the high-water mark {mark} is missing, yet the database holds checkpoints up to 1" in missing.stderr
    renewed = relais("verify-log", "--new-mark")
    assert renewed.returncode == 0, renewed.stderr
    assert f"new high-water mark {mark}: checkpoint 1" in renewed.stdout and mark.exists()
    assert relais("verify-log").returncode == 0
    assert_fails(relais("verify-log", "--new-mark"), "is there (checkpoint 1) and is not replaced")


def test_export_refuses_a_log_edited_with_sql_unless_an_investigation_asks_and_says_so(
    relais: Relais, tmp_path: Path
) -> None:
    seed(relais)
    assert relais("checkpoint").returncode == 0
    clean = relais("export", "--out", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    assert "log integrity: verified before the export, 5 records" in clean.stdout
    anchor = clean.stdout.split("`relais verify-log --expect-head ")[1].split("`")[0]
    assert relais("verify-log", "--expect-head", anchor).returncode == 0
    edit_with_sql(relais, "UPDATE stored_events SET originator_version = originator_version + 40 WHERE rowid = 3")

    refused = relais("export", "--out", str(tmp_path / "refused"))
    assert refused.returncode == 1
    assert "the log fails its integrity check at notification 3 (changed" in refused.stderr
    assert "--despite-integrity-failure" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "refused").exists()  # the folder it made is gone with the export

    as_it_is = relais("export", "--out", str(tmp_path / "as-it-is"), "--despite-integrity-failure")
    assert as_it_is.returncode == 0, as_it_is.stderr
    assert "WARNING: the log FAILED its integrity check before this export (changed" in as_it_is.stdout
    checked = relais("verify-export", str(tmp_path / "as-it-is"))
    assert checked.returncode == 3 and "WARNING: the log FAILED" in checked.stdout  # authentic, of a failing log
    key = tmp_path / "key.pem"
    key.write_text(relais("export-public-key").stdout, encoding="ascii")
    standalone = subprocess.run([sys.executable, str(ROOT / "docs" / "verify_export.py"), str(tmp_path / "as-it-is"),
                                 str(key)], capture_output=True, text=True, timeout=60)
    assert standalone.returncode == 3 and "WARNING" in standalone.stdout
    assert "log integrity: verified before the export" in relais("verify-export", str(tmp_path / "clean")).stdout


def test_export_stops_at_a_record_that_does_not_decode_and_leaves_nothing_behind(relais: Relais, tmp_path: Path) -> None:
    seed(relais)
    # Altered before it was sealed: the log verifies, yet this record is no event's fields.
    edit_with_sql(relais, "UPDATE stored_events SET state = CAST('not json' AS BLOB) WHERE rowid = 3")
    assert relais("checkpoint").returncode == 0 and relais("verify-log").returncode == 0

    for options in ([], ["--despite-integrity-failure"]):  # a log that passes its check is never exported lossy
        stopped = relais("export", "--out", str(tmp_path / "stopped"), *options)
        assert stopped.returncode == 1 and "Traceback" not in stopped.stderr
        assert ("relais: record 3 does not decode (Expecting value: line 1 column 1 (char 0)); nothing was exported"
                in stopped.stderr)
        assert "report it to the administrator" in stopped.stderr
        assert not (tmp_path / "stopped").exists()  # nor the lines before it, which held people's data in clear


def test_an_investigation_exports_a_failing_log_with_a_record_replaced_by_sql_as_what_went_wrong(
    relais: Relais, tmp_path: Path
) -> None:
    seed(relais)
    assert relais("checkpoint").returncode == 0
    edit_with_sql(relais, "UPDATE stored_events SET state = CAST('not json' AS BLOB) WHERE rowid = 3")
    refused = relais("export", "--out", str(tmp_path / "refused"))
    assert refused.returncode == 1 and "the log fails its integrity check at notification 3" in refused.stderr

    as_it_is = relais("export", "--out", str(tmp_path / "as-it-is"), "--despite-integrity-failure")
    assert as_it_is.returncode == 0, as_it_is.stderr
    line = (tmp_path / "as-it-is" / "events.jsonl").read_bytes().splitlines()[2]
    assert b'"sequence":"3","data":{"undecodable":"Expecting value: line 1 column 1 (char 0)"' in line
    assert b'"time"' not in line
    checked = relais("verify-export", str(tmp_path / "as-it-is"))
    assert checked.returncode == 3 and "WARNING: the log FAILED" in checked.stdout  # authentic, of a failing log
