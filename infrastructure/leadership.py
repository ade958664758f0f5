"""Who may run the scheduled jobs: exactly one process per installation (docs/adr/0013-sms-provider-and-scheduler.md).

PostgreSQL: a session-level advisory lock, held on a dedicated connection. The server frees it
the moment that session ends, so when the leader dies (even by SIGKILL) a follower's next try
takes it. A lost connection is lost leadership: `holds()` asks the server, never a local flag.
`idle_session_timeout` on the lock's session bounds how long a vanished leader host (no TCP
reset) keeps the lock; `tcp_user_timeout` bounds how long a check can hang on a dead network.

SQLite: every process of an installation runs on the same host (the WAL requires it), so an
exclusive `flock` on a file beside the database plays the same role; the kernel drops it when
the process dies.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import psycopg

from infrastructure.database_url import DatabaseUrl

log = logging.getLogger(__name__)
#: Two-int advisory lock key: a namespace ("RELA" in ASCII) and the scheduler's number.
LOCK_NAMESPACE = 0x52454C41
SCHEDULER_LOCK = 1


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process holds it now (taken now or before)."""

    def holds(self) -> bool:
        """Whether the lock is still ours, checked at its source."""

    def release(self) -> None: ...


class PostgresLeadership:
    """A session-level advisory lock on a dedicated autocommit connection."""

    def __init__(self, url: DatabaseUrl, check_seconds: float, lock_id: int = SCHEDULER_LOCK) -> None:
        self.url = url
        self.lock_id = lock_id
        # The leader touches its session at least every `check_seconds`; a silent one is dead.
        self.idle_timeout_ms = int(max(10.0, 4 * check_seconds) * 1000)
        self._connection: psycopg.Connection | None = None
        self._held = False
        self._mutex = threading.Lock()  # the election and job threads share the connection

    def _connect(self) -> psycopg.Connection:
        connection = psycopg.connect(
            self.url.conninfo(), autocommit=True, connect_timeout=5, application_name="relais-scheduler",
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3, tcp_user_timeout=10_000,
        )
        try:
            connection.execute(f"SET idle_session_timeout = {self.idle_timeout_ms}")
        except psycopg.Error:  # PostgreSQL < 14: keepalives alone detect a vanished host
            log.warning("idle_session_timeout is not supported by this server: takeover relies on TCP keepalives")
        return connection

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._held:
                return self._check()
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = self._connect()
                row = self._connection.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, self.lock_id)).fetchone()
            except psycopg.Error as error:
                log.warning("scheduler lock: cannot reach the database (%s)", type(error).__name__)
                self._drop()
                return False
            self._held = bool(row and row[0])
            return self._held

    def holds(self) -> bool:
        with self._mutex:
            return self._held and self._check()

    def _check(self) -> bool:
        assert self._connection is not None
        try:
            row = self._connection.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2)",
                (LOCK_NAMESPACE, self.lock_id),
            ).fetchone()
        except psycopg.Error as error:
            log.warning("scheduler lock: the lock's connection is lost (%s)", type(error).__name__)
            row = None
        if not (row and row[0]):
            self._drop()
            return False
        return True

    def _drop(self) -> None:
        self._held = False
        if self._connection is not None:
            try:
                self._connection.close()
            except psycopg.Error:
                pass
            self._connection = None

    def release(self) -> None:
        with self._mutex:
            self._drop()  # ending the session frees a session-level lock


class FileLeadership:
    """An exclusive, non-blocking `flock` on `path` (one host: the SQLite case)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._fd is not None:
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            self._fd = fd
            return True

    def holds(self) -> bool:
        with self._mutex:
            return self._fd is not None

    def release(self) -> None:
        with self._mutex:
            if self._fd is not None:
                os.close(self._fd)  # closing the only descriptor drops the flock
                self._fd = None


def leadership_for(url: DatabaseUrl, check_seconds: float) -> Leadership:
    if url.dialect == "postgresql":
        return PostgresLeadership(url, check_seconds)
    assert url.path is not None
    return FileLeadership(url.path.with_name(url.path.name + ".scheduler.lock"))
