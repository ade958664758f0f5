"""The export's pages read ahead in a thread: same items, same order, errors surface, an early stop
closes the source (so its connection goes back to the pool)."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from infrastructure.read_ahead import read_ahead


def test_every_item_arrives_once_in_order() -> None:
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))


def test_the_source_is_read_in_another_thread_ahead_of_the_caller() -> None:
    threads: list[str] = []
    fetched = threading.Semaphore(0)

    def source() -> Iterator[int]:
        for n in range(3):
            threads.append(threading.current_thread().name)
            fetched.release()
            yield n

    items = read_ahead(source(), depth=2)
    assert next(items) == 0
    assert fetched.acquire(timeout=5) and fetched.acquire(timeout=5) and fetched.acquire(timeout=5)
    assert set(threads) == {"read-ahead"}
    assert list(items) == [1, 2]


def test_an_error_of_the_source_is_raised_to_the_caller_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise RuntimeError("connexion perdue")

    items = read_ahead(source())
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="connexion perdue"):
        next(items)


def test_stopping_early_closes_the_source_so_its_connection_is_given_back() -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    items = read_ahead(source(), depth=2)
    assert next(items) == 0
    items.close()
    assert closed.is_set()
