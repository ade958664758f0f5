"""Event-store recorders that write in the read-model database's transaction.

A command writes a new person's key, its events and (with synchronous projections) the read
models. With the library's recorders these were three transactions on two connections, so
three durable commits. These recorders insert events through `infrastructure.database`'s
connection of the current thread, so a command that opens a transaction around its save
(`unit_of_work`) commits all of it at once, or nothing (docs/adr/0018-one-transaction-per-command.md).

Outside such a transaction they behave exactly as the library's. The PostgreSQL insert keeps
the library's `LOCK TABLE ... IN EXCLUSIVE MODE`, so notification ids still commit in order
(NOTES: projections rely on it).
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier, Literal

from application.ports import InsertClaim
from infrastructure.database import PostgresDatabase, SQLiteDatabase


class SharedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    #: Set by the composition root; None: the library's own connections only.
    shared: SQLiteDatabase | None = None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.shared is None or self.shared.open_connection() is None:
            return super().insert_events(stored_events, **kwargs)
        # No savepoint: a failed insert fails the whole unit of work, which rolls back.
        connection = self.shared.open_connection()
        try:
            return self._insert_events(connection.cursor(), stored_events, **kwargs)  # type: ignore[arg-type]
        except sqlite3.IntegrityError as error:
            raise IntegrityError(error) from error

    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None, topics: Sequence[str] = (),
        *, inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        connection = self.shared.open_connection() if self.shared is not None else None
        if connection is None:
            return super().select_notifications(start, limit, stop, topics, inclusive_of_start=inclusive_of_start)
        where, params = _notification_filter("rowid", start, stop, topics, inclusive_of_start, "?")
        rows = connection.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name}"
            f"{where} ORDER BY rowid LIMIT ?", (*params, limit),
        ).fetchall()
        return [Notification(id=r[0], originator_id=self.convert_originator_id(r[1]), originator_version=r[2],
                             topic=r[3], state=r[4]) for r in rows]

    def select_event_states(self, originator_id: Any, lte: int | None = None) -> list[tuple[int, str, bytes]]:
        """(version, topic, state) of one aggregate's events in version order, up to `lte`: what a replay
        needs, as plain tuples (the library's `select_events` makes a Row, an id and a record per event)."""
        statement = (f"SELECT originator_version, topic, state FROM {self.events_table_name} "
                     f"WHERE originator_id = ?{'' if lte is None else ' AND originator_version <= ?'} "
                     "ORDER BY originator_version")
        key = originator_id.hex if isinstance(originator_id, UUID) else originator_id  # as the library stores it
        params = (key,) if lte is None else (key, lte)
        connection = self.shared.open_connection() if self.shared is not None else None
        if connection is not None:
            return [tuple(row) for row in connection.execute(statement, params).fetchall()]  # type: ignore[misc]
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return [(row[0], row[1], row[2]) for row in cursor.fetchall()]

    def max_notification_id(self) -> int:
        connection = self.shared.open_connection() if self.shared is not None else None
        if connection is None:
            return super().max_notification_id()
        return connection.execute(self.select_max_notification_id_statement).fetchone()[0]


class SharedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """Also outside a unit of work, a batch goes as four plain arrays (uuid, bigint, text, bytea)
    dumped by psycopg's C dumpers, not as one array of the library's composite type, which psycopg
    dumps element by element in Python (about 60 % of the time of saving 1,000 events)."""

    #: Set by the composition root; None: the library's own connections only.
    shared: PostgresDatabase | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._array_insert = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{2}[], %s::bigint[], %s::text[], %s::bytea[]) RETURNING notification_id"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name),
                 Identifier(self.datastore.originator_id_type))
        # The library's `SET LOCAL lock_timeout`, `LOCK TABLE` and `NOTIFY`, in two statements: the
        # timeout and the notification (the same as NOTIFY, sent at commit) as one SELECT, then the lock.
        self._lock_and_notify = [
            SQL("SELECT set_config('lock_timeout', {0}, true), pg_notify({1}, '')").format(
                Literal(f"{self.datastore.lock_timeout}s"), Literal(self.channel_name)),
            SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(
                Identifier(self.datastore.schema), Identifier(self.events_table_name)),
        ]
        # The same insert, claiming the projections' positions in the same statement (see claim_on_insert).
        # `head` reads the log as it was when the statement began: after the lock, so every earlier
        # insert has committed or rolled back, and without this insert's rows.
        self._claiming_insert = SQL(
            "WITH new AS ({0}), head AS (SELECT coalesce(max(notification_id), 0) AS id FROM {1}.{2}), "
            "claimed AS (UPDATE projection_tracking SET position = (SELECT max(notification_id) FROM new) "
            "WHERE name = ANY(%s::text[]) AND position = (SELECT id FROM head) RETURNING name) "
            "SELECT notification_id, (SELECT id FROM head) AS before, ARRAY(SELECT name FROM claimed) AS claimed "
            "FROM new ORDER BY notification_id"
        ).format(self._array_insert, Identifier(self.datastore.schema), Identifier(self.events_table_name))
        self._claim_names: list[str] | None = None
        self._claims = threading.local()

    def claim_on_insert(self, names: Sequence[str]) -> None:
        """Claim these projections in each insert of a command's transaction: the runner applying the
        save's events then needs no round trip of its own to claim them (docs/adr/0020, session 5).
        A projection claims only if it stood at the log's head: then the insert's events are all it
        has left to apply (the lock keeps any other insert out until this transaction ends)."""
        self._claim_names = list(names)

    def claimed_on_insert(self) -> InsertClaim | None:
        claim, self._claims.last = getattr(self._claims, "last", None), None
        return claim

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.shared is None or self.shared.open_connection() is None:
            return super().insert_events(stored_events, **kwargs)
        if not stored_events:
            return []
        try:
            # No savepoint: a failed insert fails the whole unit of work, which rolls back.
            connection = self.shared.open_connection()
            # The lock makes ids commit in order, as the library's insert does. Pipelined: the lock,
            # the NOTIFY and the insert go in one round trip, and still run one after the other.
            # In a command's transaction the pipeline is already open, with whatever the command
            # queued before (its BEGIN, a new key): all of it goes in that same round trip.
            in_command = self.shared.command_pipeline() is not None
            self._claims.last = None
            with nullcontext() if in_command else connection.pipeline(), connection.cursor() as cursor:
                # The command's writes held back so far (a new person's number and key: one statement,
                # PostgresDatabase.defer_write) go BEFORE the lock, in the same round trip, and outside
                # the lock timeout. The lock must be the last one the command takes among these: a
                # number change or an import claims its number before its own lock, so a registration
                # claiming the same number after taking the lock would wait on that claim while the
                # other waits on the lock, a deadlock (a 500), where waiting on the claim holding
                # nothing ends in the duplicate's unique violation (a 409). docs/adr/0020, session 6.
                self.shared.send_deferred(cursor)
                for statement in self._lock_and_notify:
                    cursor.execute(statement)
                if not in_command or self._claim_names is None:
                    cursor.execute(self._array_insert, _columns(stored_events))
                    return [row["notification_id"] for row in cursor.fetchall()]
                cursor.execute(self._claiming_insert, (*_columns(stored_events), self._claim_names))
                rows = cursor.fetchall()
            ids = [row["notification_id"] for row in rows]
            self._claims.last = InsertClaim(rows[0]["before"], ids[-1], frozenset(rows[0]["claimed"]))
            return ids
        except psycopg.errors.IntegrityError as error:
            if error.diag.table_name not in (None, self.events_table_name.split(".")[-1]):
                # A write the command sent before, not waited for (a new person's key or number): its
                # meaning is the command's (PostgresDatabase.on_conflict), not a change of these events.
                raise
            raise IntegrityError(error) from error

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """The library's path (outside a unit of work): its lock and NOTIFY, our array insert."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self._array_insert, _columns(stored_events))

    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None, topics: Sequence[str] = (),
        *, inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        connection = self.shared.open_connection() if self.shared is not None else None
        if connection is None:
            return super().select_notifications(start, limit, stop, topics, inclusive_of_start=inclusive_of_start)
        where, params = _notification_filter("notification_id", start, stop, topics, inclusive_of_start, "%s")
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with connection.cursor() as cursor:
            cursor.execute(
                SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {0}").format(table)
                + SQL(where + " ORDER BY notification_id LIMIT %s"),  # type: ignore[arg-type]
                (*params, limit),
            )
            rows = cursor.fetchall()
        return [Notification(id=r["notification_id"], originator_id=r["originator_id"],
                             originator_version=r["originator_version"], topic=r["topic"], state=bytes(r["state"]))
                for r in rows]

    def select_event_states(self, originator_id: Any, lte: int | None = None) -> list[tuple[int, str, bytes]]:
        """(version, topic, state) of one aggregate's events in version order, up to `lte` (see the SQLite one)."""
        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        statement = SQL("SELECT originator_version, topic, state FROM {0} WHERE originator_id = %s").format(table)
        params: list[Any] = [originator_id]
        if lte is not None:
            statement += SQL(" AND originator_version <= %s")
            params.append(lte)
        statement += SQL(" ORDER BY originator_version")
        # Binary results as plain tuples: the states come as bytes, not as hex text twice their size.
        connection = self.shared.open_connection() if self.shared is not None else None
        if connection is not None:
            with connection.cursor(binary=True, row_factory=tuple_row) as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall()
        with self.datastore.get_connection() as conn, conn.cursor(binary=True, row_factory=tuple_row) as cursor:
            cursor.execute(statement, params, prepare=True)
            return cursor.fetchall()

    def max_notification_id(self) -> int | None:
        connection = self.shared.open_connection() if self.shared is not None else None
        if connection is None:
            return super().max_notification_id()
        with connection.cursor() as cursor:
            cursor.execute(self.max_notification_id_statement)
            row = cursor.fetchone()
        return row["max"] if row else None


def _columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    return ([e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
            [e.topic for e in stored_events], [e.state for e in stored_events])


def _notification_filter(
    column: str, start: int | None, stop: int | None, topics: Sequence[str], inclusive_of_start: bool, mark: str
) -> tuple[str, list[Any]]:
    """The WHERE clause of a notification read, as the library builds it."""
    clauses: list[str] = []
    params: list[Any] = []
    if start is not None:
        clauses.append(f"{column} {'>=' if inclusive_of_start else '>'} {mark}")
        params.append(start)
    if stop is not None:
        clauses.append(f"{column} <= {mark}")
        params.append(stop)
    if topics:
        clauses.append(f"topic IN ({', '.join([mark] * len(topics))})")
        params.extend(topics)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def share_transactions(recorder: Any, database: SQLiteDatabase | PostgresDatabase) -> None:
    """Let `recorder` write in `database`'s transaction of the current thread (if it is one of ours)."""
    if isinstance(recorder, (SharedSQLiteApplicationRecorder, SharedPostgresApplicationRecorder)):
        recorder.shared = database  # type: ignore[assignment]

