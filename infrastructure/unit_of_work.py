"""One database transaction per command: its new keys, events and read models commit together."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from eventsourcing.persistence import IntegrityError

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
    try:
        with vault.forgetting_on_failure(), database.transaction(command=True):
            yield
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "personal_keys_pkey":
            raise
        # A new person's key is inserted without waiting (infrastructure/personal_data.py): its conflict
        # shows at the next statement waited for, anywhere in the command. It means the person was
        # registered at the same instant by another transaction, a concurrent change like a conflict
        # on their events, and is reported as one.
        raise IntegrityError(error) from error
