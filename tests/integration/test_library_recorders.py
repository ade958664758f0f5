"""The library's own recorder test cases (eventsourcing.tests.persistence) pass against our recorders.

infrastructure/event_store.py subclasses eventsourcing's SQLite and PostgreSQL application recorders
(docs/adr/0003, amendment of session 5). Each runs the library's `ApplicationRecorderTestCase` twice:
- as the library uses a recorder, no unit of work open: our overrides defer to the library's code,
  except the PostgreSQL batch insert (our four-array INSERT under the library's lock and NOTIFY);
- with every call inside a transaction of our database, as a command's unit of work runs it: then
  the insert, the notification reads and the max id take our own code on our own connection.
We subclass no tracking or process recorder (projections track positions in their own table), so
the library's tracking and process cases have nothing of ours to run against.

The library's abstract cases are reached through the module, never imported by name: pytest
collects any `TestCase` class it finds in a test module's namespace, so only our subclasses run.
"""
from __future__ import annotations

import threading

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests import persistence as library

from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.database_url import DatabaseUrl
from infrastructure.event_store import SharedPostgresApplicationRecorder, SharedSQLiteApplicationRecorder


def in_units_of_work(recorder_class: type[Any]) -> type[Any]:
    """`recorder_class` with each call made inside a transaction of its `shared` database, as a command makes it."""

    class InUnitsOfWork(recorder_class):  # type: ignore[misc, valid-type]
        shared: SQLiteDatabase | PostgresDatabase

        def _unit(self) -> AbstractContextManager[Any]:
            return self.shared.transaction()

        def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
            with self._unit():
                assert self.shared.open_connection() is not None  # our path, not the library's
                return super().insert_events(stored_events, **kwargs)

        def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
            with self._unit():
                return super().select_notifications(*args, **kwargs)

        def max_notification_id(self) -> Any:
            with self._unit():
                return super().max_notification_id()

    InUnitsOfWork.__name__ = f"{recorder_class.__name__}InUnitsOfWork"
    return InUnitsOfWork


class _Closes:
    """Closes what a test opened (the library's cases open a recorder and leave it to the test)."""

    def setUp(self) -> None:
        self._to_close: list[Callable[[], None]] = []

    def tearDown(self) -> None:
        # The library's concurrent cases tell their reader threads to stop but do not wait for them:
        # closing the datastore under a reader still inside a SELECT crashed the interpreter once in CI
        # (a segmentation fault in sqlite3). Wait for those readers, and only them, before closing.
        for thread in threading.enumerate():
            if thread.name.endswith("(read_continuously)"):
                thread.join(timeout=30)
        for close in reversed(self._to_close):
            close()


class _OnSQLite(_Closes):
    recorder_class: type[SharedSQLiteApplicationRecorder] = SharedSQLiteApplicationRecorder
    share_our_database = False

    @pytest.fixture(autouse=True)
    def _file(self, tmp_path: Path) -> None:
        self.path = tmp_path / "events.sqlite"  # a file, as in production: the concurrent cases need one

    def create_recorder(self) -> SharedSQLiteApplicationRecorder:
        datastore = SQLiteDatastore(str(self.path), lock_timeout=30)  # as database_url.py configures it
        self._to_close.append(datastore.close)
        recorder = self.recorder_class(datastore)
        recorder.create_table()
        if self.share_our_database:
            database = SQLiteDatabase(DatabaseUrl(dialect="sqlite", path=self.path))
            self._to_close.append(database.close)
            recorder.shared = database
        return recorder


class _OnPostgres(_Closes):
    recorder_class: type[SharedPostgresApplicationRecorder] = SharedPostgresApplicationRecorder
    share_our_database = False
    # Ids are contiguous in the library's sense (no rolled-back insert in these cases).

    @pytest.fixture(autouse=True)
    def _database(self, postgres_url: str) -> Iterator[None]:
        # A database of its own, dropped afterwards; with CI=true a missing server fails (tests/conftest.py).
        self.url = DatabaseUrl.parse(postgres_url)
        yield

    def create_recorder(self) -> SharedPostgresApplicationRecorder:
        url = self.url
        # As database_url.py configures the application's datastore.
        datastore = PostgresDatastore(url.dbname, url.host, url.port, url.user or "postgres", url.password,
                                      connect_timeout=10, pool_size=5, max_overflow=10, lock_timeout=10)
        self._to_close.append(datastore.close)
        recorder = self.recorder_class(datastore)
        recorder.create_table()
        if self.share_our_database:
            database = PostgresDatabase(url)
            self._to_close.append(database.close)
            recorder.shared = database
        return recorder


class TestOurSQLiteRecorder(_OnSQLite, library.ApplicationRecorderTestCase[SharedSQLiteApplicationRecorder]):
    pass


class TestOurSQLiteRecorderInUnitsOfWork(
    _OnSQLite, library.ApplicationRecorderTestCase[SharedSQLiteApplicationRecorder]
):
    recorder_class = in_units_of_work(SharedSQLiteApplicationRecorder)
    share_our_database = True


@pytest.mark.postgres
class TestOurPostgresRecorder(_OnPostgres, library.ApplicationRecorderTestCase[SharedPostgresApplicationRecorder]):
    pass


@pytest.mark.postgres
class TestOurPostgresRecorderInUnitsOfWork(
    _OnPostgres, library.ApplicationRecorderTestCase[SharedPostgresApplicationRecorder]
):
    recorder_class = in_units_of_work(SharedPostgresApplicationRecorder)
    share_our_database = True
