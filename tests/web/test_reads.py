"""Quick reads stay on the event loop only where the database is in-process (web/reads.py)."""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

import pytest

from web.reads import quick_read


class FakeDatabase:
    """Only the dialect matters to `quick_read`; the read itself is the callable it is given."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def transaction(self) -> AbstractContextManager[Any]:
        raise AssertionError("quick reads never write")

    def read(self) -> AbstractContextManager[Any]:
        raise AssertionError("the callable reads, not quick_read")


@pytest.mark.asyncio
@pytest.mark.parametrize(("dialect", "on_the_loop"), [("sqlite", True), ("postgresql", False)])
async def test_a_quick_read_runs_on_the_loop_for_sqlite_and_in_a_worker_thread_for_postgresql(
    dialect: str, on_the_loop: bool
) -> None:
    loop_thread = threading.get_ident()
    answer = await quick_read(FakeDatabase(dialect), lambda: (threading.get_ident(), "rows"))
    assert answer[1] == "rows"
    assert (answer[0] == loop_thread) is on_the_loop
