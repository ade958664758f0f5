"""The read-model database: SQLite (a file beside the event store) or PostgreSQL (a pool)."""
from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from application.ports import Row
from infrastructure.database_url import DatabaseUrl

log = logging.getLogger(__name__)


class SQLiteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.connection.execute(sql, tuple(params)).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(row) for row in self.connection.execute(sql, tuple(params)).fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.connection.execute(sql, tuple(params)).fetchone()
        return dict(row) if row is not None else None


class SQLiteDatabase:
    """One connection per thread; writes start with BEGIN IMMEDIATE so they queue, not fail."""

    dialect = "sqlite"

    def __init__(self, url: DatabaseUrl) -> None:
        assert url.path is not None
        self.path = url.path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            # Erased keys and scrubbed read-model rows must not linger in free pages.
            connection.execute("PRAGMA secure_delete=ON")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self, *, command: bool = False) -> Iterator[SQLiteTransaction]:
        """`command`: a command's unit of work; the same here (SQLite costs no round trips)."""
        connection = self.connection()
        if connection.in_transaction:
            # Nested on this thread (a command's key, events and read models commit together):
            # a savepoint, so that a part that fails leaves the rest of the transaction as it was.
            depth = getattr(self._local, "depth", 0) + 1
            self._local.depth = depth
            name = f"relais_{depth}"
            connection.execute(f"SAVEPOINT {name}")
            try:
                yield SQLiteTransaction(connection)
            except BaseException:
                connection.execute(f"ROLLBACK TO {name}")
                connection.execute(f"RELEASE {name}")
                raise
            finally:
                self._local.depth = depth - 1
            connection.execute(f"RELEASE {name}")
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield SQLiteTransaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def open_connection(self) -> sqlite3.Connection | None:
        """This thread's connection if it is inside a transaction, else None."""
        connection = getattr(self._local, "connection", None)
        return connection if connection is not None and connection.in_transaction else None

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """Nothing to gather: SQLite runs in this process, a statement costs no round trip."""
        yield

    def registering(self, person_ids: Iterable[str]) -> None:
        """Nothing to gain on SQLite (no round trips): see PostgresDatabase.registering."""

    def on_conflict(self, constraint: str, error: Exception) -> None:
        """Nothing is sent without waiting on SQLite: see PostgresDatabase.on_conflict."""

    def is_registering(self, subject_id: str) -> bool:
        return False

    @contextmanager
    def read(self) -> Iterator[SQLiteTransaction]:
        connection = self.connection()
        if connection.in_transaction:
            yield SQLiteTransaction(connection)
            return
        connection.execute("BEGIN")
        try:
            yield SQLiteTransaction(connection)
        finally:
            connection.execute("ROLLBACK")

    def checkpoint(self, attempts: int = 50) -> bool:
        """Fold the WAL into the main file and truncate it (after an erasure).

        A reader in another process can hold the checkpoint back: retry for a few
        seconds, then say so in the log rather than pretend it was done.
        """
        for _ in range(attempts):
            busy, _, _ = self.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            time.sleep(0.1)
        log.warning("WAL checkpoint after erasure could not complete: a reader held it back; it will run later")
        return False

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


class PostgresTransaction:
    def __init__(self, cursor: Any, database: PostgresDatabase | None = None) -> None:
        self.cursor = cursor
        self.database = database

    @staticmethod
    def _sql(sql: str) -> str:
        # Portable SQL uses qmark placeholders; psycopg wants %s (and literal % doubled).
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        pipeline = self.database.command_pipeline() if self.database is not None else None
        if pipeline is not None and self.database.batching():  # type: ignore[union-attr]
            # Inside `pipelined()`: sent with what follows, no row count (docs/adr/0020), and held back
            # to go as one statement with the next writes to other tables (`defer_write`).
            self.database.defer_write(self.cursor, self._sql(sql), tuple(params))  # type: ignore[union-attr]
            return -1
        self._send_deferred()
        self.cursor.execute(self._sql(sql), tuple(params))
        if pipeline is not None:
            pipeline.sync()  # the caller reads the row count: wait for it (the round trip it always cost)
        elif self.database is not None and self.database.open_pipeline() is not None:
            return -1  # a `pipelined()` block: sent unanswered; psycopg's count may be an earlier statement's
        return self.cursor.rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._send_deferred()
        self.cursor.executemany(self._sql(sql), rows)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._read(sql, params)
        return list(self.cursor.fetchall())

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self._read(sql, params)
        return self.cursor.fetchone()

    def _read(self, sql: str, params: Sequence[Any]) -> None:
        self._send_deferred()
        self.cursor.execute(self._sql(sql), tuple(params))
        pipeline = self.database.open_pipeline() if self.database is not None else None
        if pipeline is not None:
            # In pipeline mode psycopg gives a cursor the answers of a batch (`executemany`) that arrive
            # after its next statement was sent as that statement's own: a read found an INSERT's status
            # in place of its rows, at random. Waiting for every answer leaves this read's last.
            pipeline.sync()

    def _send_deferred(self) -> None:
        if self.database is not None:
            self.database.send_deferred(self.cursor)


#: A write that can be one part of a data-modifying WITH: its table, no RETURNING, no WITH of its own.
_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([A-Za-z_][A-Za-z0-9_]*)\s", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


_WORD = re.compile(r"\w+")
#: statement -> (the table it writes, every word it holds, lowercase), or None: not a part of a WITH.
_shapes: dict[str, tuple[str, frozenset[str]] | None] = {}


def _shape(sql: str) -> tuple[str, frozenset[str]] | None:
    """What `defer_write` needs to know of a statement: the words it holds name every table it may read
    or write (a name in a string literal too: then it waits for nothing it did not need to)."""
    try:
        return _shapes[sql]
    except KeyError:
        pass
    match = _WRITE.match(sql)
    shape = (None if match is None or _RETURNING.search(sql)
             else (match.group(1).lower(), frozenset(word.lower() for word in _WORD.findall(sql))))
    if len(_shapes) >= 2000:  # the statements of the projections and stores are few; IN lists vary
        _shapes.clear()
    _shapes[sql] = shape
    return shape


#: A write held back: its table, its statement, its parameters, the words of its statement.
Deferred = tuple[str, str, tuple[Any, ...], frozenset[str]]


def combined(writes: Sequence[Deferred]) -> tuple[list[str], list[Any]]:
    """`w0 AS (…)`, `w1 AS (…)`…: each write as a part of a WITH, and their parameters in order."""
    return ([f"w{i} AS ({write[1]})" for i, write in enumerate(writes)],
            [value for write in writes for value in write[2]])


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: DatabaseUrl, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        # Autocommit: a read outside a transaction is one round trip (no BEGIN/COMMIT); it would gain
        # nothing from a transaction under READ COMMITTED. `transaction()` still issues BEGIN/COMMIT.
        self.pool = ConnectionPool(
            url.conninfo(), min_size=min_size, max_size=max_size,
            kwargs={"row_factory": dict_row, "autocommit": True}, open=True,
        )
        self._local = threading.local()

    @contextmanager
    def transaction(self, *, command: bool = False) -> Iterator[PostgresTransaction]:
        """A transaction on a pooled connection, held by this thread until it ends.

        `command` (a command's unit of work, infrastructure/unit_of_work.py): the whole transaction
        runs in psycopg's pipeline mode. BEGIN is not waited for: it goes with the first statement
        whose result is needed, and COMMIT goes with the statements queued last (the read models'
        writes), so the transaction costs no round trip of its own (docs/adr/0020, session 5).
        A statement whose result nobody waits for reports its error at the next wait, at the
        latest at COMMIT, which the failure then skips: nothing of the command is written.
        """
        current = getattr(self._local, "connection", None)
        if current is not None:
            with self._savepoint(current) as tx:
                yield tx
            return
        with self.pool.connection() as connection:
            self._local.connection = connection
            try:
                if command:
                    with self._command(connection) as tx:
                        yield tx
                else:
                    with connection.transaction(), connection.cursor() as cursor:
                        yield PostgresTransaction(cursor, self)
            finally:
                self._local.connection = None

    @contextmanager
    def _command(self, connection: Any) -> Iterator[PostgresTransaction]:
        # BEGIN and COMMIT by hand: psycopg's `transaction()` syncs the pipeline on entry and twice on
        # exit. The pool's connections are in autocommit mode, so the driver adds no BEGIN of its own.
        try:
            with connection.pipeline() as pipeline, connection.cursor() as cursor:
                self._local.pipeline = pipeline
                cursor.execute("BEGIN")
                yield PostgresTransaction(cursor, self)
                self.send_deferred(cursor)
                cursor.execute("COMMIT")
                pipeline.sync()  # what the pipeline's exit would do; then the answer can be read
                if cursor.statusmessage != "COMMIT":
                    # The server answers COMMIT with ROLLBACK, and no error, when the transaction had
                    # already failed (a write not waited for whose error someone caught): nothing is
                    # written, so the command must not report success.
                    raise psycopg.errors.InFailedSqlTransaction(
                        f"the command's transaction had failed: COMMIT answered {cursor.statusmessage!r}")
        except BaseException as failure:
            # The pipeline has been synced on its way out; a failed or unfinished transaction is
            # rolled back here, not left to the pool.
            try:
                if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    connection.execute("ROLLBACK")
            except psycopg.Error:
                pass  # a broken connection: the pool discards it; the command's own error matters
            meant = self._meaning_of(failure)
            if meant is not None:
                raise meant from failure
            raise
        finally:
            self._local.pipeline = None
            self._local.batching = 0
            self._local.registering = set()
            self._local.conflicts = {}
            self._local.deferred = []

    def on_conflict(self, constraint: str, error: Exception) -> None:
        """In this thread's command transaction, a unique violation of `constraint` means `error`.

        For a write sent without waiting: its violation shows at whatever statement is waited for
        next, in code that cannot tell what it means; the command's end raises `error` instead."""
        if self.command_pipeline() is not None:
            self._local.__dict__.setdefault("conflicts", {})[constraint] = error

    def _meaning_of(self, failure: BaseException) -> Exception | None:
        cause: BaseException | None = failure
        while cause is not None and not isinstance(cause, psycopg.errors.UniqueViolation):
            # Wrapped by the event store as a concurrent change (__cause__), or raised while handling
            # it (__context__): a savepoint that could not be rolled back to, say.
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            return None
        return getattr(self._local, "conflicts", {}).get(cause.diag.constraint_name)

    @contextmanager
    def _savepoint(self, connection: Any) -> Iterator[PostgresTransaction]:
        """Nested on this thread: the same connection, inside a savepoint (as on SQLite)."""
        pipeline = self.command_pipeline()
        if pipeline is None:
            with connection.transaction(), connection.cursor() as cursor:
                yield PostgresTransaction(cursor, self)
            return
        depth = getattr(self._local, "depth", 0) + 1
        self._local.depth = depth
        name = f"relais_{depth}"
        try:
            with connection.cursor() as cursor:
                self.send_deferred(cursor)  # the savepoint's rollback must not drop them
                cursor.execute(f"SAVEPOINT {name}")
                try:
                    yield PostgresTransaction(cursor, self)
                    self.send_deferred(cursor)
                    cursor.execute(f"RELEASE {name}")
                    pipeline.sync()  # the block's errors belong to the block
                except BaseException as body_failure:
                    self._local.deferred = []  # held back inside the savepoint: rolled back with it
                    earlier: psycopg.Error | None = None
                    try:
                        pipeline.sync()  # out of the pipeline's aborted state, if a statement failed
                    except psycopg.Error as error:
                        earlier = error
                    try:
                        cursor.execute(f"ROLLBACK TO {name}")
                        cursor.execute(f"RELEASE {name}")
                        pipeline.sync()
                    except psycopg.Error:
                        # A write sent before the savepoint, not waited for, had failed: the savepoint
                        # was never set and the command cannot go on. That failure is the one to report
                        # (its meaning, e.g. a duplicate number, is given at the command's end).
                        raise (earlier or body_failure) from body_failure
                    raise
        finally:
            self._local.depth = depth - 1

    def defer_write(self, cursor: Any, sql: str, params: tuple[Any, ...]) -> None:
        """Hold back a write of this thread's command transaction whose outcome no one waits for.

        Writes held back go to the server as ONE statement (a data-modifying WITH, each write a part
        of it) when something else is sent: another statement, the event insert (just before its
        lock, never after it), COMMIT. A statement costs the client about as much as a round trip's
        own work, and the server a bind and an execute (docs/adr/0020, session 6). The parts of one
        statement see the same snapshot and none sees another's rows, so a write joins only writes
        to other tables that neither read nor write its own, and that it does not name: else those
        go first.
        A failure of any part fails the statement, hence the command, as it did alone."""
        pending: list[Deferred] = self._local.__dict__.setdefault("deferred", [])
        shape = _shape(sql)
        if shape is None:
            self.send_deferred(cursor)
            cursor.execute(sql, params)
            return
        table, words = shape
        if any(other in words or table in other_words for other, _, _, other_words in pending):
            self.send_deferred(cursor)
            pending = self._local.deferred
        pending.append((table, sql, params, words))

    def send_deferred(self, cursor: Any) -> None:
        """Send the writes held back (`defer_write`) as one statement, not waiting for it."""
        pending = getattr(self._local, "deferred", None)
        if not pending:
            return
        self._local.deferred = []
        if len(pending) == 1:
            cursor.execute(pending[0][1], pending[0][2])
            return
        parts, params = combined(pending[:-1])
        cursor.execute("WITH " + ", ".join(parts) + " " + pending[-1][1], (*params, *pending[-1][2]))

    def command_pipeline(self) -> Any:
        """This thread's command pipeline (see `transaction(command=True)`), or None."""
        return getattr(self._local, "pipeline", None)

    def batching(self) -> bool:
        return bool(getattr(self._local, "batching", 0))

    def registering(self, person_ids: Iterable[str]) -> None:
        """This command's transaction registers these people: their ids are new (see `is_registering`)."""
        if self.command_pipeline() is not None:
            self._local.__dict__.setdefault("registering", set()).update(person_ids)

    def is_registering(self, subject_id: str) -> bool:
        """Whether this thread's command transaction registers the person: then nothing about them is
        stored yet, and a write that only a stored row would refuse (their key) need not be waited for."""
        return subject_id in getattr(self._local, "registering", ())

    @contextmanager
    def read(self) -> Iterator[PostgresTransaction]:
        current = getattr(self._local, "connection", None)
        if current is not None:
            with current.cursor() as cursor:  # inside this thread's transaction: sees its writes
                yield PostgresTransaction(cursor, self)
            return
        with self.pool.connection() as connection, connection.cursor() as cursor:
            yield PostgresTransaction(cursor)

    def open_connection(self) -> Any:
        """This thread's connection if it is inside a transaction, else None."""
        return getattr(self._local, "connection", None)

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """psycopg's pipeline mode on this thread's open transaction: statements are sent without
        waiting, and a read (or the block's end) waits for all of them at once (docs/adr/0020).
        In a command's transaction, already pipelined, the block's statements simply wait for the
        next statement that needs a result, or COMMIT: no round trip of their own."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            yield
            return
        if self.command_pipeline() is not None:
            self._local.batching = getattr(self._local, "batching", 0) + 1
            try:
                yield
            finally:
                self._local.batching -= 1
            return
        outer = getattr(self._local, "block_pipeline", None)
        with connection.pipeline() as pipeline:
            self._local.block_pipeline = pipeline
            try:
                yield
            finally:
                self._local.block_pipeline = outer

    def open_pipeline(self) -> Any:
        """The pipeline this thread's statements are sent in (a command's, or a `pipelined()` block's), or None."""
        return self.command_pipeline() or getattr(self._local, "block_pipeline", None)

    def checkpoint(self) -> bool:
        """Nothing to fold: PostgreSQL's dumps never carry deleted rows (VACUUM reclaims pages)."""
        return True

    def close(self) -> None:
        self.pool.close()


def open_database(url: DatabaseUrl) -> SQLiteDatabase | PostgresDatabase:
    if url.dialect == "sqlite":
        return SQLiteDatabase(url)
    return PostgresDatabase(url)
