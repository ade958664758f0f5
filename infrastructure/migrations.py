"""`relais migrate`: create the event store tables, then apply migrations/NNNN_*.sql once each.

One runner for SQLite and PostgreSQL; an advisory lock (PostgreSQL) or a file lock (SQLite) keeps two
processes from migrating at once ("tuple concurrently updated").

A migration that needs Python (a value only a secret key can compute) names its step in a line
`-- python step: NAME`; the caller gives the step, which runs after the file's SQL in the same
transaction. A pending migration whose step was not given is an error, never skipped.
"""
from __future__ import annotations

import fcntl
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from application.ports import Database, Transaction

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
PYTHON_STEP = re.compile(r"^--\s*python step:\s*([a-z0-9_]+)\s*$", re.MULTILINE)
ADVISORY_LOCK_ID = 7_346_001
Step = Callable[[Transaction], None]


class MigrationError(Exception):
    """A migration cannot be applied as asked."""


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[str, Path]]:
    files = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_FILE.match(path.name)
        if not match:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        files.append((path.stem, path))
    return files


def _statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


@contextmanager
def _one_migrator_at_a_time(database: Database) -> Iterator[None]:
    """SQLite: a file lock beside the database. Switching a new file to WAL takes an
    exclusive lock that does not wait, so two processes starting at once on a new file
    must not race (PostgreSQL uses an advisory lock inside the transaction instead)."""
    path = getattr(database, "path", None)
    if database.dialect != "sqlite" or path is None:
        yield
        return
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def migrate(
    database: Database, create_event_store: Callable[[], None], directory: Path = MIGRATIONS_DIR,
    steps: Mapping[str, Step] | None = None,
) -> list[str]:
    """Apply what is missing; return the names applied now."""
    with _one_migrator_at_a_time(database):
        return _migrate(database, create_event_store, directory, steps or {})


def _migrate(
    database: Database, create_event_store: Callable[[], None], directory: Path, steps: Mapping[str, Step]
) -> list[str]:
    applied_now: list[str] = []
    if database.dialect == "sqlite":
        # The library writes through its own connection: it must not wait on our write lock.
        create_event_store()
    with database.transaction() as tx:
        if database.dialect == "postgresql":
            tx.execute("SELECT pg_advisory_xact_lock(?)", (ADVISORY_LOCK_ID,))
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row["name"] for row in tx.fetchall("SELECT name FROM schema_migrations")}
        if "0000_event_store" not in done:
            if database.dialect == "postgresql":
                create_event_store()
            tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)", ("0000_event_store",))
            applied_now.append("0000_event_store")
        for name, path in migration_files(directory):
            if name in done:
                continue
            sql = path.read_text(encoding="utf-8")
            for statement in _statements(sql):
                tx.execute(statement)
            for step in PYTHON_STEP.findall(sql):
                if step not in steps:
                    raise MigrationError(f"migration {name} needs the Python step {step!r}, which was not given")
                steps[step](tx)
            tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)", (name,))
            applied_now.append(name)
            log.info("migration applied: %s", name)
    return applied_now
