"""Code that runs in child processes (multiprocessing, 'spawn') and the counting projections.

Kept free of pytest and fixtures so that a spawned child imports only this module and
the product code.
"""
from __future__ import annotations

import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from application.errors import DuplicateError
from application.projections.runner import Projection, ProjectionRunner
from application.ports import Database, Transaction
from infrastructure.bootstrap import Services, bootstrap, projections
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from tests.integration.helpers import advisor, details, mobile

APPLIED_TABLE = """CREATE TABLE IF NOT EXISTS it_applied (
    projection TEXT NOT NULL,
    event_key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (projection, event_key)
)"""


class Crash(Exception):
    """Raised by a projection to simulate a crash in the middle of a catch-up."""


def create_applied_table(database: Database) -> None:
    with database.transaction() as tx:
        tx.execute(APPLIED_TABLE)


def applied_counts(database: Database) -> dict[tuple[str, str], int]:
    """(projection, "originator_id:version") -> how many times it was applied."""
    with database.read() as tx:
        rows = tx.fetchall("SELECT projection, event_key, n FROM it_applied")
    return {(r["projection"], r["event_key"]): int(r["n"]) for r in rows}


class Counted:
    """Wraps a real projection (same name, so the same tracking row) and counts, in the
    same transaction, each application of each event. Optionally crashes after N events
    or slows down, to let a test kill it mid-way."""

    def __init__(self, inner: Projection, crash_after: int | None = None, delay: float = 0.0) -> None:
        self.inner = inner
        self.name = inner.name
        self.crash_after = crash_after
        self.delay = delay
        self.calls = 0

    def reset(self, tx: Transaction) -> None:
        self.inner.reset(tx)
        tx.execute("DELETE FROM it_applied WHERE projection = ?", (self.name,))

    @property
    def reads_positions(self) -> bool:
        """Forwarded: a projection keyed by notification id (the history index) is applied with it."""
        return getattr(self.inner, "reads_positions", False)

    def apply_at(self, notification_id: int, event: Any, tx: Transaction) -> None:
        self._counted(event, tx, lambda: self.inner.apply_at(notification_id, event, tx))

    def apply(self, event: Any, tx: Transaction) -> None:
        self._counted(event, tx, lambda: self.inner.apply(event, tx))

    def _counted(self, event: Any, tx: Transaction, apply: Any) -> None:
        self.calls += 1
        if self.crash_after is not None and self.calls > self.crash_after:
            raise Crash(f"{self.name} crashed at its event #{self.calls}")
        if self.delay:
            time.sleep(self.delay)
        apply()
        tx.execute(
            "INSERT INTO it_applied (projection, event_key, n) VALUES (?, ?, 1) "
            "ON CONFLICT (projection, event_key) DO UPDATE SET n = it_applied.n + 1",
            (self.name, f"{event.originator_id}:{event.originator_version}"),
        )


def counted_runner(services: Services, batch_size: int = 500, **options: Any) -> ProjectionRunner:
    """A runner over the real projections, each counted; options apply to every projection."""
    return ProjectionRunner(
        services.app.recorder,
        services.app.mapper,
        services.database,
        [Counted(p, **options) for p in projections()],
        batch_size=batch_size,
    )


def child_services(env: dict[str, str], run_migrations: bool = True) -> Services:
    """What a separate web worker or projection runner process builds at start."""
    return bootstrap(
        Settings.from_env(env),
        passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64),
        run_migrations=run_migrations,
        synchronous_projections=False,
    )


def writer(conn: Connection, env: dict[str, str], worker_no: int) -> None:
    """Registers job seekers as fast as it can when told to; answers with their ids."""
    services = child_services(env)
    try:
        conn.send("ready")
        while True:
            command = conn.recv()
            if command[0] == "stop":
                return
            _, round_no, how_many = command
            caller = advisor(actor=f"writer-{worker_no}")
            ids = []
            for i in range(how_many):
                phone = mobile(worker_no * 1_000_000 + round_no * 10_000 + i)
                person = details(first_name=f"W{worker_no}", last_name=f"R{round_no}-{i}", phone=phone)
                ids.append(str(services.app.register_candidate(person, sms_consent=True, caller=caller)))
            conn.send(ids)
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        services.close()


def catcher(conn: Connection, env: dict[str, str]) -> None:
    """Catches up in a loop while writers write; answers with how many applications it made."""
    services = child_services(env)
    runner = counted_runner(services, batch_size=25)
    try:
        conn.send("ready")
        while True:
            command = conn.recv()
            if command[0] == "stop":
                return
            applied = 0
            while not conn.poll():
                applied += runner.catch_up()
            conn.recv()  # "enough"
            conn.send(applied)
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        services.close()


def slow_catch_up(env: dict[str, str]) -> None:
    """A projection runner process that will be killed (SIGKILL) in the middle of its work."""
    services = child_services(env, run_migrations=False)
    counted_runner(services, batch_size=5, delay=0.02).catch_up()


def migrate_at_barrier(env: dict[str, str], barrier: Any, results: Any) -> None:
    """Start like a web worker (bootstrap migrates), at the same moment as another one."""
    Settings.from_env(env)  # imports done and settings read before the race starts
    barrier.wait(timeout=60)
    try:
        child_services(env).close()
        results.put("ok")
    except Exception:
        results.put(traceback.format_exc())


def register_at_barrier(env: dict[str, str], barrier: Any, results: Any, phone: str) -> None:
    """A web worker registering a job seeker at the same moment as another one, with the same number."""
    services = child_services(env, run_migrations=False)
    try:
        barrier.wait(timeout=60)
        try:
            services.app.register_candidate(details(phone=phone), sms_consent=True, caller=advisor())
            results.put("registered")
        except DuplicateError:
            results.put("duplicate")
    except Exception:
        results.put(traceback.format_exc())
    finally:
        services.close()
