"""The compliance download: an export runs as a background job; any web worker can report its progress.

The job's row in `log_exports` holds its status and progress (so a page polled through
another worker still knows), the archive is a zip under data/exports/ streamed back from
disk. An archive holds personal data in clear: it is deleted `keep` after it was made
(24 h by default), and the unpacked folder as soon as the zip is written. Every erasure
deletes all of them at once, and the folders of jobs still running (`discard_all`,
docs/adr/0017, session 6).

A running job holds an exclusive lock (flock) on its folder for as long as its thread lives:
the lock goes with the process, so a folder nobody holds belongs to a job whose process died
(killed mid-export). `purge` (at start-up, before each export, on the scheduler's tick) deletes
such folders, which hold events.jsonl in clear, and marks their jobs failed.
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from application.caller import Caller
from application.queries.compliance import EXPORTS_ERASURE_MARK
from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.export_chain import EXPORT_FILES
from infrastructure.export_lines import UndecodableRecord
from infrastructure.log_export import LogExporter, LogIntegrityFailed

log = logging.getLogger(__name__)
KEEP = timedelta(hours=24)
ARCHIVE_PREFIX = "relais-export-"
#: The status of a job whose archive (or folder, while it ran) an erasure deleted; its `error`
#: then names the erasure: ERASURE_MARK + the person's id (the erasure report counts them).
PURGED = "purged"
ERASURE_MARK = EXPORTS_ERASURE_MARK
#: The error of a job whose process died while it ran (found at start-up or by a later purge).
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class ExportJob:
    id: str
    status: str  # running, done, failed, purged (an erasure deleted its files)
    done: int
    total: int
    count: int | None
    head: str | None
    created_at: str
    since: str | None
    until: str | None
    error: str | None
    archive: str | None

    @property
    def percent(self) -> int:
        return 100 if self.status == "done" else int(100 * self.done / self.total) if self.total else 0


def _job(row: dict[str, Any]) -> ExportJob:
    return ExportJob(
        id=row["id"], status=row["status"], done=int(row["done"]), total=int(row["total"]),
        count=row["record_count"], head=row["head"], created_at=row["created_at"], since=row["since"],
        until=row["until"], error=row["error"], archive=row["archive"],
    )


class ExportJobs:
    def __init__(
        self, database: SQLiteDatabase | PostgresDatabase, exporter: LogExporter, directory: Path, clock: Any,
        keep: timedelta = KEEP,
    ) -> None:
        self.database, self.exporter, self.directory, self.clock, self.keep = database, exporter, directory, clock, keep

    def start(self, requested_by: Caller, since: datetime | None, until: datetime | None) -> str:
        self.purge()
        job_id, claim = self._claim_new_folder()
        try:
            with self.database.transaction() as tx:
                tx.execute(
                    "INSERT INTO log_exports (id, requested_by, since, until, status, done, total, created_at) "
                    "VALUES (?, ?, ?, ?, 'running', 0, ?, ?)",
                    (job_id, requested_by.actor_id, since.isoformat() if since else None,
                     until.isoformat() if until else None, self.exporter.records.max_id(), self.clock.now().isoformat()),
                )
        except BaseException:
            shutil.rmtree(self.directory / job_id, ignore_errors=True)
            os.close(claim)
            raise
        thread = threading.Thread(target=self.run, args=(job_id, since, until, requested_by, claim), daemon=True,
                                  name=f"export-{job_id[:8]}")
        thread.start()
        return job_id

    def run(
        self, job_id: str, since: datetime | None, until: datetime | None, requested_by: Caller, claim: int | None = None,
    ) -> None:
        """The job's thread. `claim`: the lock on its folder, released (closed) when the job ends."""
        folder = self.directory / job_id
        archive = self.directory / f"{ARCHIVE_PREFIX}{job_id}.zip"
        last = [0.0]
        kept = False

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= 0.5:
                last[0] = time.monotonic()
                self._update("UPDATE log_exports SET done = ?, total = ? WHERE id = ?", (done, total, job_id))

        try:
            self.exporter.export(folder, since, until, progress, requested_by=requested_by, export_id=job_id)
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zipped:
                for name in EXPORT_FILES:
                    zipped.write(folder / name, arcname=name)
            # No row updated: an erasure discarded this job meanwhile (its archive must not stay).
            kept = self._update("UPDATE log_exports SET status = 'done', archive = ?, done = total "
                                "WHERE id = ? AND status = 'running'", (archive.name, job_id)) > 0
        except Exception as error:  # noqa: BLE001 - the job reports any failure on its page
            if isinstance(error, (LogIntegrityFailed, UndecodableRecord)):  # a refusal, not a fault: one line
                log.error("export %s refused: %s", job_id, error)
            else:
                log.exception("export %s failed", job_id)
            self._update("UPDATE log_exports SET status = 'failed', error = ? WHERE id = ? AND status = 'running'",
                         (type(error).__name__, job_id))
        finally:
            if not kept:
                archive.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            if claim is not None:
                os.close(claim)

    def _claim_new_folder(self) -> tuple[str, int]:
        """A new job's id and the lock on its folder, made before its row so no sweep takes it for an orphan's."""
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            job_id = str(uuid4())
            folder = self.directory / job_id
            folder.mkdir()
            try:
                claim = os.open(folder, os.O_RDONLY)
            except FileNotFoundError:
                continue  # a sweep took the folder, still unlocked, for an orphan's: take another
            fcntl.flock(claim, fcntl.LOCK_EX)
            try:
                if os.path.samestat(os.fstat(claim), os.stat(folder)):
                    return job_id, claim
            except FileNotFoundError:
                pass
            os.close(claim)  # the same, between the opening and the lock

    def get(self, job_id: str) -> ExportJob | None:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM log_exports WHERE id = ?", (job_id,))
        return _job(row) if row else None

    def recent(self, limit: int = 10) -> list[ExportJob]:
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT * FROM log_exports ORDER BY created_at DESC, id DESC LIMIT ?", (limit,))
        return [_job(row) for row in rows]

    def archive_path(self, job: ExportJob) -> Path | None:
        """The prepared archive, unless someone was erased since it was made: it holds their data in
        clear, so it is deleted then (whichever process erased them) and must be prepared again."""
        if job.status != "done" or not job.archive:
            return None
        path = self.directory / job.archive
        if self._erased_since(job.created_at):
            path.unlink(missing_ok=True)
            return None
        return path if path.is_file() else None

    def _erased_since(self, created_at: str) -> bool:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT MAX(erased_at) AS last FROM rm_erasures")
        last = row["last"] if row else None
        return bool(last) and datetime.fromisoformat(last) >= datetime.fromisoformat(created_at)

    def purge(self) -> int:
        """Delete archives older than `keep`, and the folders of jobs whose process died (marked failed):
        they hold personal data in clear. Run at start-up, before each export and on the scheduler's tick.
        The number of interrupted jobs found."""
        if not self.directory.is_dir():
            return 0
        limit = time.time() - self.keep.total_seconds()
        for path in self.directory.glob(f"{ARCHIVE_PREFIX}*.zip"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass
        return self._sweep_orphans()

    def _sweep_orphans(self) -> int:
        with self.database.read() as tx:
            running = {row["id"] for row in tx.fetchall("SELECT id FROM log_exports WHERE status = 'running'")}
        for folder in [entry for entry in self.directory.iterdir() if entry.is_dir()]:
            try:
                claim = os.open(folder, os.O_RDONLY)
            except FileNotFoundError:
                continue  # its job just ended
            try:
                fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(claim)
                running.discard(folder.name)  # a live job works in it
                continue
            try:
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                os.close(claim)
        # Running rows left: their folder was unlocked (now deleted) or is gone; their process is dead.
        interrupted = 0
        for job_id in running:
            interrupted += self._update(
                "UPDATE log_exports SET status = 'failed', error = ? WHERE id = ? AND status = 'running'",
                (INTERRUPTED, job_id))
        if interrupted:
            log.warning("%d export job(s) interrupted by a stopped process: marked failed, folders deleted", interrupted)
        return interrupted

    def discard_all(self, erased: str) -> int:
        """After an erasure: delete every archive and job folder made so far (they may hold the person in clear),
        running jobs' too; their rows say so. The number of exports whose files were deleted. The chain heads stay
        in `log_exports` and in the log: the next export still names the latest as its previous head."""
        if not self.directory.is_dir():
            return 0
        with self.database.transaction() as tx:
            rows = tx.fetchall("SELECT id, status, archive FROM log_exports WHERE status IN ('running', 'done')")
            hit = [row["id"] for row in rows
                   if row["status"] == "running" or (row["archive"] and (self.directory / row["archive"]).is_file())]
            for job_id in hit:
                tx.execute("UPDATE log_exports SET status = ?, archive = NULL, error = ? "
                           "WHERE id = ? AND status IN ('running', 'done')", (PURGED, f"{ERASURE_MARK}{erased}", job_id))
        for entry in list(self.directory.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        if hit:
            log.info("erasure: %d export archive(s) or running export(s) deleted", len(hit))
        return len(hit)

    def left_from_before(self, instant: str) -> int:
        """Archives and job folders still on disk whose job began at or before `instant` (or unknown): the erasure
        report checks that none is left."""
        if not self.directory.is_dir():
            return 0
        with self.database.read() as tx:
            later = {row["id"] for row in tx.fetchall("SELECT id FROM log_exports WHERE created_at > ?", (instant,))}
        names = [entry.name for entry in self.directory.iterdir()]
        return sum(1 for name in names if name.removeprefix(ARCHIVE_PREFIX).removesuffix(".zip") not in later)

    def _update(self, sql: str, params: tuple[Any, ...]) -> int:
        with self.database.transaction() as tx:
            return tx.execute(sql, params)

