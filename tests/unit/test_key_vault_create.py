"""The key vault's `_create` tells a key it inserted from one that existed by the insert's row count: where
no row count comes back (PostgreSQL, inside `database.pipelined()`: -1), it refuses loudly instead of
misreading the key as someone else's (review finding N2, session 5)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from infrastructure.personal_data import DatabaseKeyVault


class UnansweredTransaction:
    """What a pipelined PostgreSQL transaction answers: statements go out, row counts do not come back."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, sql: str, params: Any = ()) -> int:
        self.statements.append(sql)
        return -1

    def fetchone(self, sql: str, params: Any = ()) -> dict[str, str] | None:
        self.statements.append(sql)
        return {"wrapped_key": "a key another writer made"}


class PipelinedDatabase:
    dialect = "postgresql"

    def __init__(self) -> None:
        self.tx = UnansweredTransaction()

    def open_connection(self) -> object:
        return object()  # a command's transaction is open on this thread

    def is_registering(self, subject_id: str) -> bool:
        return False

    @contextmanager
    def read(self) -> Iterator[UnansweredTransaction]:
        yield self.tx


class Clock:
    def now(self) -> Any:
        from datetime import UTC, datetime

        return datetime(2026, 11, 30, tzinfo=UTC)


def test_creating_a_key_where_no_row_count_comes_back_is_refused_with_a_clear_message() -> None:
    database = PipelinedDatabase()
    vault = DatabaseKeyVault(database, os.urandom(32), Clock())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match=r"row count.*outside database\.pipelined\(\)"):
        vault.key_for("person-1", create=True)
    assert len(database.tx.statements) == 1  # the insert only: no key was read as if it existed
    assert "INSERT INTO personal_keys" in database.tx.statements[0]
    assert vault._cached("person-1") is None  # noqa: SLF001 - nothing was remembered for the person
