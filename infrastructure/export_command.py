"""`relais export`: the export wired on its own, the application loaded only to record it at the end.

An export's memory is its process plus its worker processes (docs/adr/0014, amendment "export
memory"). The application's wiring (`bootstrap`) costs that process ~55 MB of modules the export
never uses (rankers with numpy and scipy, the Mistral SDK, the scheduler, holidays of every
country) and, at start-up, a 64 MB Argon2 hash (the password hasher's dummy, for even login
timing). Reading, decoding and signing need only the database, the master key, the signing key
and the workers, so the export runs with just those. The application is built once the export is
written and its workers have stopped, to record `LogExport.Made` exactly as before (the CLI's
synchronous read models included); that building hashes no password.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from application.caller import Caller
from infrastructure.audit_log import log_exporter, log_verifier, signing_key
from infrastructure.clock import SystemClock
from infrastructure.database import PostgresDatabase, SQLiteDatabase, open_database
from infrastructure.event_records import EventRecords
from infrastructure.log_export import ExportNotRecorded, ExportResult, Progress, recorded_by
from infrastructure.migrations import migration_files
from infrastructure.phone_claims import DatabasePhoneClaims, PhoneClaimKeyError
from infrastructure.settings import Settings

#: The application's events table as the library names it (tested against the recorder's own name).
EVENTS_TABLES = {"sqlite": "stored_events", "postgresql": "relais_events"}


class NoPasswordHashing:
    """Stands in for the password hasher while an export is recorded: nothing there signs anyone in."""

    def hash(self, password: str) -> str:
        raise RuntimeError("no password is hashed while an export is recorded")

    def verify(self, password_hash: str, password: str) -> bool:
        raise RuntimeError("no password is verified while an export is recorded")

    def dummy_verify(self) -> None:
        raise RuntimeError("no password is verified while an export is recorded")


def recorded_by_the_application(settings: Settings, **bootstrap_options: Any) -> Callable[..., object]:
    """`on_exported`: build the application (after the workers have stopped), record the export, close it."""

    def record(*export: Any, row: Callable[..., None]) -> object:
        from infrastructure.bootstrap import bootstrap  # the heavy part, once the export is written

        services = bootstrap(settings, run_migrations=False, passwords=NoPasswordHashing(), **bootstrap_options)
        try:
            return recorded_by(services.app, services.database)(*export, row=row)
        finally:
            services.close()

    return record


def check_recording(settings: Settings, database: SQLiteDatabase | PostgresDatabase) -> None:
    """Refuse, before any file is written, an export the application could not record afterwards.

    Recording builds the application (`bootstrap`), which needs nothing the export has not already
    opened (database, master key, signing key) but one check of its own: it refuses to start with a
    phone-claim key other than the one the claims were made with (infrastructure/phone_claims.py).
    That check is made here the same way, so such a setting fails the command at once (review
    finding R4) instead of after the export, which would then exist without being recorded."""
    try:
        DatabasePhoneClaims(database, settings.phone_claim_key, SystemClock()).verify_key()
    except PhoneClaimKeyError as error:
        raise ExportNotRecorded(f"nothing was exported, since the export could not be recorded in the log: {error}") from None


def migrations_pending(database: SQLiteDatabase | PostgresDatabase) -> bool:
    try:
        with database.read() as tx:
            done = {row["name"] for row in tx.fetchall("SELECT name FROM schema_migrations")}
    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):  # a new database: all pending
        return True
    return "0000_event_store" not in done or any(name not in done for name, _ in migration_files())


def export_log(
    settings: Settings,
    directory: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
    requested_by: Caller | None = None,
    record: Callable[..., object] | None = None,
    environ: dict[str, str] | None = None,
    despite_integrity_failure: bool = False,
) -> ExportResult:
    """What `relais export` runs. `record`: how the finished export is recorded in the log (by
    default the application, built then, after `check_recording`); the database is migrated first
    if it needs to be. ExportNotRecorded: nothing exported (no file left behind)."""
    env = dict(os.environ if environ is None else environ)
    database = open_database(settings.database)
    try:
        if migrations_pending(database):
            from infrastructure.bootstrap import bootstrap  # a new or older database: migrate as other commands do

            bootstrap(settings, passwords=NoPasswordHashing()).close()
        if record is None:
            check_recording(settings, database)
        records = EventRecords.of_table(database, EVENTS_TABLES[database.dialect])
        clock = SystemClock()
        key = signing_key(settings, env)
        exporter = log_exporter(settings, database, records, key, clock, None,
                                record or recorded_by_the_application(settings), env,
                                log_verifier(settings, database, records, key, clock, env))
        return exporter.export(directory, since, until, progress, requested_by=requested_by,
                               despite_integrity_failure=despite_integrity_failure)
    finally:
        database.close()
