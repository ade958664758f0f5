"""Joining the command's transaction: the one helper shared by the writes made inside a command."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from application.ports import Database, Transaction


@contextmanager
def joined(database: Database) -> Iterator[Transaction]:
    """This thread's open transaction as it is, or a transaction of its own.

    No savepoint inside an open transaction (a command's unit of work): on PostgreSQL that
    would cost two round trips. A statement that fails there fails the command, whose unit
    of work then rolls back whole (docs/adr/0018, docs/adr/0020). `read()` is how the database
    hands out this thread's open transaction without one.
    """
    if database.open_connection() is None:
        with database.transaction() as tx:
            yield tx
    else:
        with database.read() as tx:
            yield tx
