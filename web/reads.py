"""Where a quick read-model query runs: on the event loop when the database is in-process.

A thread hop (hand the call to a worker thread, wake the loop when it is done) costs about
as much as a look-up by key or a page of 20 rows on SQLite, and the two hops of a page view
made a good share of its time. SQLite answers from this process's memory and page cache,
and in WAL mode a reader waits for no writer, so such reads stay on the loop. A PostgreSQL
read is a network round trip that can also wait for a pooled connection: it goes to a
worker thread, as before. Writes always go to a worker thread (a writer may wait for a lock).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread

from application.ports import Database

T = TypeVar("T")


def reads_in_process(database: Database) -> bool:
    return database.dialect == "sqlite"


async def quick_read(database: Database, read: Callable[[], T]) -> T:
    """Run `read` (read-model queries only, no write) where it costs least."""
    if reads_in_process(database):
        return read()
    return await anyio.to_thread.run_sync(read)
