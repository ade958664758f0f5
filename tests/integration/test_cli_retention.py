"""`relais retention [--dry-run]` in its own process, on a store where someone has been inactive for years."""
from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from pathlib import Path

from application.values import ERASED_PLACEHOLDER
from tests.conftest import AdvanceableClock
from tests.integration.helpers import advisor, details, mobile
from tests.integration.test_cli import Relais, assert_fails


def test_retention_from_the_command_line_reports_then_erases_the_inactive(tmp_path: Path) -> None:
    relais = Relais(tmp_path / "data")
    long_ago = relais.services(clock=AdvanceableClock(datetime(2022, 1, 10, 9, 0, tzinfo=UTC)))
    try:
        sleeper = long_ago.app.register_candidate(
            details(last_name="Ancien", phone=mobile(1), available_from=date(2022, 2, 1)), True, advisor())
    finally:
        long_ago.close()
    today = relais.services()
    try:
        active = today.app.register_candidate(details(last_name="Récent", phone=mobile(2)), True, advisor())
    finally:
        today.close()

    dry = relais("retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2 job seekers with personal data examined, 1 inactive: nothing erased (dry run)" in dry.stdout
    assert f"{sleeper}  lyon-est  last activity 2022-01-10T09:00:00+00:00 (registration): would be erased" in dry.stdout

    run = relais("retention", "--operator", "m.durand")
    assert run.returncode == 0, run.stderr
    assert "1 erased, 0 kept (active again), 0 failed" in run.stdout and f"{sleeper}" in run.stdout and str(active) not in run.stdout

    check = relais.services(run_migrations=False)
    try:
        assert check.candidates.get(advisor(), sleeper).last_name == ERASED_PLACEHOLDER
        assert check.candidates.get(advisor(), active).last_name == "Récent"
    finally:
        check.close()
    assert "0 inactive" in relais("retention").stdout
    # The run names who started it by hand; the erasure's actor stays the job, the only one allowed to erase for retention.
    runs = relais.rows("SELECT actor_id, started_by, erased FROM rm_retention_runs ORDER BY ran_at")
    assert [(r["actor_id"], r["started_by"], r["erased"]) for r in runs][0] == ("job:retention", "cli:m.durand", 1)
    assert runs[1]["started_by"] == f"cli:{getpass.getuser()}"  # no --operator: the OS login
    assert_fails(relais("retention", "--operator", "m durand"), "not a usable name")


def test_retention_deletes_an_auditors_search_day_past_its_period(tmp_path: Path) -> None:
    relais = Relais(tmp_path / "data")
    services = relais.services()
    try:  # an auditor's searches of a day long past (the key alone: what the job looks at)
        assert services.app.key_vault.key_for("audit-searches:aud-1:2020-01-06", create=True) is not None
    finally:
        services.close()
    dry = relais("retention", "--dry-run")
    assert "1 dated key(s) past their period would be deleted" in dry.stdout
    assert "  audit-searches:aud-1:2020-01-06" in dry.stdout
    assert "1 dated key(s) past their period deleted" in relais("retention").stdout
    assert "0 dated key(s) past their period deleted" in relais("retention").stdout
