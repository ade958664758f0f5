"""`relais scheduler` as an operator runs it: its own process, stopped cleanly by SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from types import SimpleNamespace

from infrastructure.bootstrap import bootstrap
from infrastructure.leadership import FileLeadership, PostgresLeadership
from infrastructure.outreach_wiring import build_scheduler, scheduled_jobs
from tests.conftest import settings_for
from web.cli_scheduler import start_in_process_scheduler


def start(data_dir: Path, database_url: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update(RELAIS_DATA_DIR=str(data_dir), RELAIS_SEED_DEMO="0", RELAIS_SCHEDULER_ELECTION_SECONDS="1")
    if database_url:
        env["RELAIS_DATABASE_URL"] = database_url
    return subprocess.Popen([sys.executable, "-m", "web.cli", "scheduler"], env=env, cwd=data_dir.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_relais_scheduler_runs_until_sigterm_then_releases_its_lock(tmp_path: Path, store: str | None) -> None:
    data_dir = tmp_path / "data"
    bootstrap(settings_for(data_dir, store)).close()  # the installation the web app made, beside which it runs
    process = start(data_dir, store)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once started
        assert "relais scheduler running" in line, process.stderr.read() if process.stderr else ""
        time.sleep(1.5)  # at least one election
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "relais scheduler stopped" in out and "this process leads" in err
    # The lock is free again: another scheduler takes it at once.
    settings = settings_for(data_dir, store)
    leadership = build_scheduler(settings, []).leadership
    assert isinstance(leadership, PostgresLeadership if store else FileLeadership)
    assert leadership.try_acquire()
    leadership.release()


def test_the_leader_ticks_the_outreach_and_checks_the_daily_retention(tmp_path: Path) -> None:
    services = bootstrap(settings_for(tmp_path, None, RELAIS_OUTREACH_TICK_SECONDS="45"))
    try:
        jobs = {job.name: job for job in scheduled_jobs(services)}
        assert (jobs["outreach-tick"].seconds, jobs["outreach-tick"].run) == (45, services.app.run_outreach_tick)
        assert jobs["retention"].seconds == 3600
    finally:
        services.close()


def test_relais_serve_starts_no_scheduler_when_told_so(tmp_path: Path, make_services) -> None:
    off = SimpleNamespace(settings=settings_for(tmp_path, None, RELAIS_SCHEDULER="off"), app=object())
    assert start_in_process_scheduler(off) is None  # type: ignore[arg-type]
    on = make_services()
    scheduler = start_in_process_scheduler(on)
    try:
        assert scheduler is not None and scheduler.leadership.try_acquire()
    finally:
        assert scheduler is not None
        scheduler.stop()
