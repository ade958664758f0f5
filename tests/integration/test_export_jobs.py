"""The compliance page's export jobs and erasures, on both stores: an erasure deletes every archive and job
folder made before it, a running export's too; a job whose process died mid-export is failed and its folder
(events.jsonl in clear) deleted at the next start-up; an export still running elsewhere is left alone."""
from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from application.caller import Caller
from application.retention import RetentionJob
from application.values import Reason
from infrastructure.bootstrap import Services
from infrastructure.export_jobs import ExportJobs
from tests.integration.helpers import compliance
from tests.integration.test_personal_data_erasure import Canary, data_folder_bytes, exported_from_the_page, hits

OFFICER = Caller("dpo-1", "compliance", "", "req-export")


def running_row(services: Services, job_id: str) -> None:
    """A job's row as `start` writes it, for a job whose process is gone."""
    with services.database.transaction() as tx:
        tx.execute("INSERT INTO log_exports (id, requested_by, since, until, status, done, total, created_at) "
                   "VALUES (?, 'dpo-1', NULL, NULL, 'running', 0, 10, ?)", (job_id, services.clock.now().isoformat()))


def status(services: Services, job_id: str) -> tuple[str, str | None]:
    with services.database.read() as tx:
        row = tx.fetchone("SELECT status, error FROM log_exports WHERE id = ?", (job_id,))
    assert row is not None
    return row["status"], row["error"]


def jobs_of(services: Services) -> ExportJobs:
    assert services.audit is not None
    return services.audit.jobs


def test_a_job_killed_mid_export_is_failed_and_its_clear_folder_deleted_at_start_up_a_live_one_is_not(
    make_services: Callable[..., Services],
) -> None:
    services = make_services()
    canary = Canary()
    canary.register(services)
    jobs = jobs_of(services)
    killed, live = str(uuid4()), str(uuid4())
    for job_id in (killed, live):
        running_row(services, job_id)
        jobs.exporter.export(jobs.directory / job_id, export_id=job_id)  # the unpacked files, in clear
    assert hits(data_folder_bytes(jobs.directory / killed), canary)  # control: the canary is there
    # Another process still works on `live`: it holds the lock on its folder.
    claim = os.open(jobs.directory / live, os.O_RDONLY)
    fcntl.flock(claim, fcntl.LOCK_EX)
    try:
        make_services()  # a start-up, as after the crash
        assert status(services, killed) == ("failed", "interrupted")
        assert not (jobs.directory / killed).exists()
        assert status(services, live) == ("running", None) and (jobs.directory / live / "events.jsonl").is_file()
    finally:
        os.close(claim)
    # Once its process is gone too, the next sweep (before an export, on the scheduler's tick) takes it.
    jobs.purge()
    assert status(services, live) == ("failed", "interrupted") and list(jobs.directory.iterdir()) == []


class HeldAfterWriting:
    """The exporter, stopped after the unpacked files are written (the person in clear among them) and before
    the zip is made: the instant an erasure comes in."""

    def __init__(self, exporter: Any) -> None:
        self.exporter, self.written, self.go_on = exporter, threading.Event(), threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.exporter, name)

    def export(self, *args: Any, **kwargs: Any) -> Any:
        result = self.exporter.export(*args, **kwargs)
        self.written.set()
        assert self.go_on.wait(60)
        return result


def test_an_export_running_when_someone_is_erased_keeps_no_archive_and_says_so(services: Services) -> None:
    canary = Canary()
    person = canary.register(services)
    jobs = jobs_of(services)
    held = HeldAfterWriting(jobs.exporter)
    jobs.exporter = held  # type: ignore[assignment]
    job_id = jobs.start(OFFICER, None, None)
    assert held.written.wait(60)
    assert hits(data_folder_bytes(jobs.directory), canary)  # control: decoded before the erasure, in clear

    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance())
    assert status(services, job_id) == ("purged", f"erasure:{person}")
    held.go_on.set()
    (thread,) = [t for t in threading.enumerate() if t.name == f"export-{job_id[:8]}"]
    thread.join(60)
    assert not thread.is_alive()
    assert status(services, job_id) == ("purged", f"erasure:{person}")  # not "done": no archive was kept
    assert list(jobs.directory.iterdir()) == []
    assert hits(data_folder_bytes(services.settings.data_dir), canary) == []


def test_the_retention_job_deletes_the_archives_made_before_its_erasures(services: Services, clock: Any) -> None:
    canary = Canary()
    canary.register(services)
    archive = exported_from_the_page(services)
    clock.advance(days=2 * 366)
    report = RetentionJob(services.app, services.database, 24, services.projections.catch_up)()
    assert report.erased == 1
    assert not archive.exists() and list(jobs_of(services).directory.iterdir()) == []
    assert jobs_of(services).left_from_before(datetime.max.isoformat()) == 0
