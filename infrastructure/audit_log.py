"""The log's integrity and its verifiable export, wired once per process (docs/adr/0014).

Settings of their own (read once, listed in the README):
  RELAIS_SIGNING_KEY            base64 of a raw 32-byte Ed25519 seed; else data/signing.key is made once
  RELAIS_CHECKPOINT_EVERY       records per checkpoint (default 1000)
  RELAIS_TRUSTED_SIGNING_KEYS   public keys (raw 32 bytes, base64, comma-separated) trusted besides the current one
  RELAIS_LOG_MARK_DIR           the high-water mark's folder (default: the data folder; settings.py)
  RELAIS_EXPORT_WORKERS         worker processes of an export of 50,000 records or more (default, at
                                most 8: on PostgreSQL one per CPU, none on 1 CPU; on SQLite one per
                                CPU but one, none on 2 CPUs or fewer; 0: all in the exporting process)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infrastructure.checkpoints import DEFAULT_EVERY, LogCheckpoints
from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.event_data import EventStateDecoder
from infrastructure.event_records import EventRecords
from infrastructure.export_jobs import ExportJobs
from infrastructure.integrity_checks import IntegrityChecks
from infrastructure.export_workers import Parallelism, WorkerSetup
from infrastructure.log_export import LogExporter, recorded_by
from infrastructure.log_mark import LogMark, legacy_mark_path
from infrastructure.log_report import ExpectedHead, IntegrityReport
from infrastructure.log_verifier import LogVerifier
from infrastructure.personal_data import DatabaseKeyVault
from infrastructure.settings import Settings, SettingsError
from infrastructure.key_ring import KeyRing
from infrastructure.log_chain import Checkpoint
from infrastructure.signing_key import SigningKey, SigningKeyError, public_from_base64

#: An export reads each person's key once per this many seconds at most (its own cache).
EXPORT_KEY_CACHE_SECONDS = 300.0
#: Beyond this the exporting process, which writes and chains every line, is the bottleneck.
MAX_EXPORT_WORKERS = 8


def checkpoint_every(environ: dict[str, str]) -> int:
    raw = environ.get("RELAIS_CHECKPOINT_EVERY", "").strip()
    if not raw:
        return DEFAULT_EVERY
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise SettingsError(f"RELAIS_CHECKPOINT_EVERY must be an integer between 1 and 1000000, got {raw!r}")
    return int(raw)


def trusted_signing_keys(environ: dict[str, str]) -> tuple[Ed25519PublicKey, ...]:
    """RELAIS_TRUSTED_SIGNING_KEYS: keys the operator vouches for (e.g. one rotated by hand), outside the database."""
    texts = [t for t in environ.get("RELAIS_TRUSTED_SIGNING_KEYS", "").replace(",", " ").split() if t]
    try:
        return tuple(public_from_base64(text, "RELAIS_TRUSTED_SIGNING_KEYS") for text in texts)
    except SigningKeyError as error:
        raise SettingsError(str(error)) from None


def export_workers(environ: dict[str, str], postgres: bool = False) -> int:
    raw = environ.get("RELAIS_EXPORT_WORKERS", "").strip()
    if not raw:
        cpus = os.cpu_count() or 1
        if postgres:
            # Workers read their own stretches of the log in the exporting session's snapshot: that
            # process only writes and chains (~2 us of CPU per event against ~21 in a worker), so
            # every CPU gets a worker. Measured on 2 quiet CPUs, 1,000,000 events: 2 workers ran at
            # 1.67-1.75x the in-process rate (0.36-0.37 of COPY against 0.21-0.22); on 2 busy CPUs
            # at 0.8-1.4x (docs/adr/0014, "export speed", session 4).
            return min(cpus, MAX_EXPORT_WORKERS) if cpus > 1 else 0
        # SQLite: the exporting process reads the records and hands them over, which costs a CPU
        # of its own. On 2 CPUs, measured: 2 workers ran at 0.7-1.3x the in-process rate.
        return min(cpus - 1, MAX_EXPORT_WORKERS) if cpus > 2 else 0
    if not raw.isdigit() or int(raw) > MAX_EXPORT_WORKERS:
        raise SettingsError(f"RELAIS_EXPORT_WORKERS must be an integer between 0 and {MAX_EXPORT_WORKERS}, got {raw!r}")
    return int(raw)


def signing_key(settings: Settings, environ: dict[str, str]) -> SigningKey:
    try:
        return SigningKey.load(environ.get("RELAIS_SIGNING_KEY", ""), settings.data_dir)
    except SigningKeyError as error:
        raise SettingsError(str(error)) from None


def log_verifier(
    settings: Settings, database: SQLiteDatabase | PostgresDatabase, records: EventRecords, key: SigningKey,
    clock: Any, environ: dict[str, str],
) -> LogVerifier:
    """The integrity check, its checkpoints and the trusted keys, as `relais verify-log` and every export use them."""
    keys = KeyRing(database, key, trusted_signing_keys(environ), clock)
    # The high-water mark lives outside the database, in RELAIS_LOG_MARK_DIR or the data folder (docs/adr/0014).
    mark = LogMark(settings.mark_dir, database, legacy_mark_path(settings.mark_dir, settings.database))
    checkpoints = LogCheckpoints(database, records, key, clock, every=checkpoint_every(environ), mark=mark)
    return LogVerifier(records, checkpoints, keys, mark)


def log_exporter(
    settings: Settings, database: SQLiteDatabase | PostgresDatabase, records: EventRecords, key: SigningKey,
    clock: Any, mapper: Any, on_exported: Any, environ: dict[str, str], verifier: LogVerifier | None = None,
) -> LogExporter:
    """The exporter, in the web process (with the application's mapper) or alone (`relais export`:
    mapper None, infrastructure/export_command.py)."""

    def decoders() -> EventStateDecoder:
        vault = DatabaseKeyVault(database, settings.secret_key, clock, cache_seconds=EXPORT_KEY_CACHE_SECONDS)
        return EventStateDecoder(vault, mapper)

    # Workers decode without the application's mapper: a mapper that encrypts or compresses
    # whole records (not configured today) keeps the export in this process.
    parallel = None
    if getattr(mapper, "cipher", None) is None and getattr(mapper, "compressor", None) is None:
        setup = WorkerSetup(settings.database, settings.secret_key, EXPORT_KEY_CACHE_SECONDS)
        parallel = Parallelism(export_workers(environ, postgres=isinstance(database, PostgresDatabase)), setup)
    return LogExporter(database, records, decoders, key, clock, on_exported=on_exported, parallel=parallel,
                       verifier=verifier)


@dataclass
class AuditLog:
    key: SigningKey
    keys: KeyRing
    records: EventRecords
    checkpoints: LogCheckpoints
    verifier: LogVerifier
    exporter: LogExporter
    jobs: ExportJobs
    #: The outcome of the last full check, shown on the auditors' pages (infrastructure/integrity_checks.py).
    checks: IntegrityChecks

    def write_checkpoint(self, force: bool = False) -> int:
        """The scheduler's job: seal what is due; the number of checkpoints written."""
        return len(self.seal(force=force))

    def seal(self, force: bool = False) -> list[Checkpoint]:
        """Seal what is due (everything, tail included, when forced): the checkpoints written.

        A log sealed before marks existed is verified once first, which writes its first mark
        (log_verifier.py); until it verifies, sealing is refused."""
        if self.mark is not None and self.checkpoints.latest() is not None and self.mark.never_written():
            self.verify()
        written = self.checkpoints.write_checkpoint(force=force)
        if written:
            # Recorded once it has signed something: a seal refused, or with nothing to seal, leaves no key
            # row behind (a key from a mistyped data folder would show as unvouched: review 8, finding 2).
            self.keys.record_current()
        return written

    def rotate(self, following: SigningKey) -> tuple[int, str]:
        """Seal everything so far with the current key, then record its succession by `following`, signed by
        both (docs/adr/0014): (checkpoints sealed, instant). Putting `following` in use is the caller's job."""
        sealed = self.seal(force=True)
        return len(sealed), self.keys.rotate(following)

    def scheduled_jobs(self) -> int:
        """What the scheduler runs every few minutes: seal every new record, the tail too (docs/adr/0014,
        "the tail": at 1 event/s and a tick every 300 s, one checkpoint of ~300 records per tick, 288 a
        day), drop old archives; and once a day, when no one else has, check the whole log (its outcome is
        what the auditors' pages show)."""
        self.jobs.purge()
        sealed = len(self.seal(force=True))
        if self.checks.due():
            self.verify()
        return sealed

    def verify(self, progress: Any = None, expected: tuple[ExpectedHead, ...] = (), ignore_mark: bool = False) -> IntegrityReport:
        report = self.verifier.verify(progress, expected, ignore_mark)
        if not expected and not ignore_mark:  # the log's own verdict, not one against heads given by someone
            self.checks.record(report)
        return report

    @property
    def mark(self) -> LogMark | None:
        return self.checkpoints.mark

    @classmethod
    def build(
        cls,
        settings: Settings,
        database: SQLiteDatabase | PostgresDatabase,
        app: Any,
        clock: Any,
        environ: dict[str, str] | None = None,
    ) -> AuditLog:
        env = dict(os.environ if environ is None else environ)
        key = signing_key(settings, env)
        records = EventRecords(database, app.recorder)
        verifier = log_verifier(settings, database, records, key, clock, env)
        exporter = log_exporter(settings, database, records, key, clock, app.mapper, recorded_by(app, database), env,
                                verifier)
        return cls(
            key=key,
            keys=verifier.keys,
            records=records,
            checkpoints=verifier.checkpoints,
            verifier=verifier,
            exporter=exporter,
            jobs=ExportJobs(database, exporter, settings.data_dir / "exports", clock),
            checks=IntegrityChecks(database, clock),
        )
