"""The compliance download: an export runs as a background job; any web worker can report its progress.

The job's row in `log_exports` holds its status and progress (so a page polled through
another worker still knows), the archive is a zip under data/exports/ streamed back from
disk. An archive holds personal data in clear: it is deleted `keep` after it was made
(24 h by default), and the unpacked folder as soon as the zip is written.
"""
from __future__ import annotations

import logging
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
from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.export_chain import CSV, JSONL, MANIFEST, SIGNATURE
from infrastructure.log_export import LogExporter

log = logging.getLogger(__name__)
KEEP = timedelta(hours=24)
ARCHIVE_FILES = (JSONL, CSV, MANIFEST, SIGNATURE)


@dataclass(frozen=True)
class ExportJob:
    id: str
    status: str  # running, done, failed
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
        job_id = str(uuid4())
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO log_exports (id, requested_by, since, until, status, done, total, created_at) "
                "VALUES (?, ?, ?, ?, 'running', 0, ?, ?)",
                (job_id, requested_by.actor_id, since.isoformat() if since else None, until.isoformat() if until else None,
                 self.exporter.records.max_id(), self.clock.now().isoformat()),
            )
        thread = threading.Thread(target=self.run, args=(job_id, since, until, requested_by), daemon=True,
                                  name=f"export-{job_id[:8]}")
        thread.start()
        return job_id

    def run(self, job_id: str, since: datetime | None, until: datetime | None, requested_by: Caller) -> None:
        folder = self.directory / job_id
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= 0.5:
                last[0] = time.monotonic()
                self._update("UPDATE log_exports SET done = ?, total = ? WHERE id = ?", (done, total, job_id))

        try:
            self.exporter.export(folder, since, until, progress, requested_by=requested_by, export_id=job_id)
            archive = self.directory / f"relais-export-{job_id}.zip"
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zipped:
                for name in ARCHIVE_FILES:
                    zipped.write(folder / name, arcname=name)
            self._update("UPDATE log_exports SET status = 'done', archive = ?, done = total WHERE id = ?", (archive.name, job_id))
        except Exception as error:  # noqa: BLE001 - the job reports any failure on its page
            log.exception("export %s failed", job_id)
            self._update("UPDATE log_exports SET status = 'failed', error = ? WHERE id = ?",
                         (type(error).__name__, job_id))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

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

    def purge(self, everything: bool = False) -> None:
        """Delete archives older than `keep` (all of them after an erasure): they hold personal data in clear."""
        if not self.directory.is_dir():
            return
        limit = time.time() - (0 if everything else self.keep.total_seconds())
        for path in self.directory.glob("relais-export-*.zip"):
            if everything or path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)

    def _update(self, sql: str, params: tuple[Any, ...]) -> None:
        with self.database.transaction() as tx:
            tx.execute(sql, params)

