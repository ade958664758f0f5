"""One database transaction per command: its new keys, events and read models commit together."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.personal_data import DatabaseKeyVault


@contextmanager
def unit_of_work(database: SQLiteDatabase | PostgresDatabase, vault: DatabaseKeyVault) -> Iterator[None]:
    """A transaction on this thread's connection; nested ones become savepoints (infrastructure/database.py).

    The event-store recorders of infrastructure/event_store.py insert inside it, so one
    registration is one durable commit instead of three, and a failure leaves nothing behind:
    no key without its events, no events without their read models. On PostgreSQL the whole
    transaction is pipelined: BEGIN and COMMIT cost no round trip of their own (docs/adr/0020).
    """
    with vault.forgetting_on_failure(), database.transaction(command=True):
        yield
