"""`relais export` and the compliance download: the event log as signed CloudEvents (relais-export/1).

One pass over the stored records writes events.jsonl and events.csv side by side, chains
each JSON line, then writes and signs manifest.json. Memory stays flat: records stream in
batches, files are written as they go. Each finished export is recorded so that the next
one names its head as `previous_head`.

The log's integrity is checked first (the same check as `relais verify-log`): a log that fails it
is not exported, unless the operator asks for it (an investigation needs the log as it is), and the
signed manifest says what the check found either way (`log_integrity`; review 7, finding 1).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from application.caller import Caller
from application.ports import Transaction
from application.transactions import joined
from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.event_data import EventStateDecoder
from infrastructure.event_records import EventRecords
from infrastructure.export_chain import CSV, EXPORT_FILES, JSONL, MANIFEST, SIGNATURE, Manifest, first_link
from infrastructure.export_lines import CSV_HEADER, Chunk, ExportLines, rfc3339
from infrastructure.export_workers import ExportWorkers, Parallelism, Ranges
from infrastructure.log_report import IntegrityReport
from infrastructure.read_ahead import read_ahead
from infrastructure.signing_key import SigningKey

Progress = Callable[[int, int], None]
#: Records per batch handed to the decoding: small enough that the batches in flight stay a few MB.
BATCH = 2_000
#: Records per batch a worker process decodes. While it builds a batch's answer a worker holds
#: ~10 KB per record, and the export's memory is this process plus every worker (docs/adr/0014,
#: "export memory"): measured per worker on 200,000 events, 2,000 records -> 69 MB RSS,
#: 1,000 -> 59 MB, 500 -> 55 MB, with the same CPU per event at 1,000 as at 2,000.
WORKER_BATCH = 1_000


class LogIntegrityFailed(RuntimeError):
    """The log failed its integrity check: nothing was exported."""

    def __init__(self, report: IntegrityReport) -> None:
        assert report.problem is not None
        self.report = report
        where = f" at notification {report.problem.notification_id}" if report.problem.notification_id else ""
        super().__init__(f"the log fails its integrity check{where} ({report.problem.kind}: {report.problem.detail}); "
                         "nothing was exported. See `relais verify-log`; an investigation that needs the log as it "
                         "is can export it with --despite-integrity-failure (the manifest then says it failed)")


def integrity_json(report: IntegrityReport, checked_at: str) -> dict[str, Any]:
    """The manifest's `log_integrity`: what the check found, and the chain head it reached, which
    `relais verify-log --expect-head HEAD_ID:HEAD` later holds the log to."""
    problem = report.problem
    return {
        "ok": report.ok,
        "checked_at": checked_at,
        "records": report.records,
        "checkpoints": report.checkpoints,
        "anchored_upto": report.anchored_upto,
        "head_id": report.head_id,
        "head": report.head,
        "problem": None if problem is None else {
            "kind": problem.kind, "notification_id": problem.notification_id, "detail": problem.detail,
        },
    }


def _integrity_label(integrity: dict[str, Any] | None) -> str:
    """What the `LogExport.Made` event says of the check: an override of a failing log stays in the log."""
    if integrity is None:
        return ""
    return "verified" if integrity["ok"] else f"failed: {integrity['problem']['kind']}"


class ExportNotRecorded(RuntimeError):
    """An export that the log would not record: its files are not left behind (they hold people's data
    in clear, and no record would say who took them)."""


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    manifest: Manifest


class LogExporter:
    def __init__(
        self,
        database: SQLiteDatabase | PostgresDatabase,
        records: EventRecords,
        decoders: Callable[[], EventStateDecoder],
        key: SigningKey,
        clock: Any,
        on_exported: Callable[..., object] | None = None,
        parallel: Parallelism | None = None,
        batch: int | None = None,
        verifier: Any = None,
    ) -> None:
        self.database = database
        #: The log's integrity check (`LogVerifier`), run before every export; None: not checked.
        self.verifier = verifier
        #: Worker processes for a large log; None: always in this process.
        self.parallel = parallel
        #: Records per batch; None: BATCH in this process, WORKER_BATCH in workers.
        self.batch = batch
        #: Called once an export is written: the composition root records it in the log
        #: (`Relais.record_log_export`, see `recorded_by`), since an export carries people's data
        #: decrypted. Called with the export's fields and `row`, the write of its row in log_exports,
        #: which it must make in the transaction that records the event.
        self.on_exported = on_exported
        self.records = records
        #: A fresh decoder per export: its key cache starts empty, so a person erased
        #: before the export began never shows in clear, whatever this process cached.
        self.decoders = decoders
        self.key = key
        self.clock = clock

    def previous_head(self) -> bytes | None:
        with self.database.read() as tx:
            row = tx.fetchone(
                "SELECT head FROM log_exports WHERE head IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1"
            )
        return bytes.fromhex(row["head"]) if row else None

    def export(
        self,
        directory: Path,
        since: datetime | None = None,
        until: datetime | None = None,
        progress: Progress | None = None,
        requested_by: Caller | None = None,
        export_id: str | None = None,
        despite_integrity_failure: bool = False,
    ) -> ExportResult:
        """Write the four files into `directory` (new, or without an export's files); events with
        since <= time < until (each bound optional).
        LogIntegrityFailed, before anything is written: the log fails its check (unless `despite_integrity_failure`).
        UndecodableRecord: a record is no event's fields (nothing is left behind). Only an investigation's export of
        a log that failed its check writes such a record as what went wrong: a lossy export is never made of a log
        that passes (docs/adr/0014, amendment of session 8)."""
        integrity = None
        if self.verifier is not None:
            report = self.verifier.verify()
            if not report.ok and not despite_integrity_failure:
                raise LogIntegrityFailed(report)
            integrity = integrity_json(report, rfc3339(self.clock.now().isoformat()))
        if any((directory / name).exists() for name in EXPORT_FILES):
            raise FileExistsError(f"{directory} already holds an export's files: export into a new folder")
        directory.mkdir(parents=True, exist_ok=True)
        export_id = export_id or str(uuid4())
        requested_by = requested_by or Caller.cli(f"export-{export_id}")
        previous = self.previous_head()
        try:
            written = self._write_events(directory, previous, since, until, progress,
                                         keep_undecodable=integrity is not None and not integrity["ok"])
            count, first, last, head, csv_sha256 = written
            manifest = Manifest(
                count=count, first_sequence=first, last_sequence=last, head=head, previous_head=previous,
                created_at=rfc3339(self.clock.now().isoformat()), public_key_id=self.key.key_id,
                csv_sha256=csv_sha256, log_integrity=integrity,
            )
            raw = manifest.to_bytes()
            (directory / MANIFEST).write_bytes(raw)
            (directory / SIGNATURE).write_text(self.key.sign_base64(raw) + "\n", encoding="ascii")
        except BaseException:
            # Nothing half-written is left behind (a record that does not decode, a worker stopped, a full
            # disk, Ctrl-C): the lines already written hold people's data in clear.
            _remove_files(directory)
            raise
        row = self._row(export_id, requested_by.actor_id, since, until, manifest)
        try:
            if self.on_exported is None:
                with self.database.transaction() as tx:
                    row(tx)
            else:
                # The `LogExport.Made` event and the export's row in log_exports (whose head the next
                # export names as its `previous_head`) commit in one transaction, or neither does:
                # nothing between them can fork the chain of exports (review finding 4, session 6).
                self.on_exported(export_id, since.isoformat() if since else "", until.isoformat() if until else "",
                                 manifest.count, manifest.first_sequence, manifest.last_sequence, manifest.head.hex(),
                                 manifest.public_key_id, requested_by, _integrity_label(integrity), row=row)
        except Exception as error:
            _remove_files(directory)
            raise ExportNotRecorded(
                f"the export could not be recorded in the log ({type(error).__name__}: {error}); its files were "
                "deleted, since they hold personal data that no record would account for"
            ) from error
        return ExportResult(directory, manifest)

    def _write_events(
        self, directory: Path, previous: bytes | None, since: datetime | None, until: datetime | None,
        progress: Progress | None, keep_undecodable: bool,
    ) -> tuple[int, int | None, int | None, bytes, str]:
        """events.jsonl and events.csv, in this process or by workers, chained on from `previous`:
        (lines, first sequence, last sequence, head, SHA-256 of events.csv)."""
        total = self.records.max_id()
        parallel = self.parallel
        if parallel is not None and parallel.wanted(total) and self.records.shares_snapshots:
            # Each worker reads its own id ranges inside this session's snapshot and hands back
            # finished lines: this process only writes them in order and chains their digests.
            with self.records.exported_snapshot() as (snapshot, last):
                setup = parallel.setup_for(since, until, keep_undecodable, snapshot=snapshot, table=self.records.table,
                                           schema=self.records.schema)
                with ExportWorkers(parallel.workers, setup) as workers:
                    return _write(directory, workers.chunks(Ranges(last, self.batch or WORKER_BATCH)), previous,
                                  last, progress)
        if parallel is not None and parallel.wanted(total):
            with ExportWorkers(parallel.workers, parallel.setup_for(since, until, keep_undecodable)) as workers:
                batches = self.records.batches(batch=self.batch or WORKER_BATCH)
                return _write(directory, workers.chunks(batches), previous, total, progress)
        lines = ExportLines(self.decoders(), since, until, keep_undecodable)
        batches = self.records.batches(batch=self.batch or BATCH)
        if self.records.shares_snapshots:
            batches = read_ahead(batches)  # the server sends the next page while this process decodes
        return _write(directory, map(lines.chunk, batches), previous, total, progress)

    def _row(
        self, export_id: str, requested_by: str, since: datetime | None, until: datetime | None, manifest: Manifest,
    ) -> Callable[[Transaction], None]:
        """The write of the export's row in log_exports (the job's row, or a new one), for the transaction
        that records the export."""
        values = (
            manifest.count, manifest.first_sequence, manifest.last_sequence, manifest.head.hex(),
            manifest.previous_head.hex() if manifest.previous_head else None, manifest.public_key_id,
            self.clock.now().isoformat(),
        )

        def write(tx: Transaction) -> None:
            updated = tx.execute(
                "UPDATE log_exports SET record_count = ?, first_sequence = ?, last_sequence = ?, "
                "head = ?, previous_head = ?, key_id = ?, finished_at = ? WHERE id = ?",
                (*values, export_id),
            )
            if not updated:
                tx.execute(
                    "INSERT INTO log_exports (id, requested_by, since, until, status, done, total, record_count, "
                    "first_sequence, last_sequence, head, previous_head, key_id, created_at, finished_at) "
                    "VALUES (?, ?, ?, ?, 'done', 0, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (export_id, requested_by, since.isoformat() if since else None,
                     until.isoformat() if until else None, *values[:6], values[6], values[6]),
                )

        return write


def recorded_by(app: Any, database: SQLiteDatabase | PostgresDatabase) -> Callable[..., object]:
    """`on_exported` for an application whose unit of work is a transaction on `database` (the
    composition root's): `Relais.record_log_export`, with the export's row written in that unit of
    work, so that the event and the row commit together or not at all."""

    def record(*export: Any, row: Callable[[Transaction], None]) -> object:
        def alongside() -> None:
            with joined(database) as tx:  # the unit of work's transaction, on the same connection
                row(tx)

        return app.record_log_export(*export, alongside=alongside)

    return record


def _remove_files(directory: Path) -> None:
    for name in EXPORT_FILES:
        (directory / name).unlink(missing_ok=True)


def _write(
    directory: Path, chunks: Iterable[Chunk], previous: bytes | None, total: int, progress: Progress | None,
) -> tuple[int, int | None, int | None, bytes, str]:
    """Append the chunks in order to events.jsonl and events.csv and chain their lines:
    (lines, first sequence, last sequence, head, SHA-256 of events.csv)."""
    head = first_link(previous)
    count, first, last, done = 0, None, None, 0
    sha256 = hashlib.sha256
    csv_digest = hashlib.sha256(CSV_HEADER)
    with open(directory / JSONL, "wb") as jsonl, open(directory / CSV, "wb") as csv_file:
        csv_file.write(CSV_HEADER)
        for chunk in chunks:
            jsonl.write(chunk.jsonl)
            csv_file.write(chunk.csv)
            csv_digest.update(chunk.csv)
            digests = chunk.digests
            for offset in range(0, len(digests), 32):
                head = sha256(head + digests[offset : offset + 32]).digest()
            count += chunk.count
            first = chunk.first if first is None else first
            last = chunk.last if chunk.last is not None else last
            done += chunk.read
            if progress is not None:
                progress(done, max(total, done))
    return count, first, last, head, csv_digest.hexdigest()
