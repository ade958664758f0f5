"""A person's key created in a command's transaction is that transaction's until it commits: other
threads never use it before, and nobody after a rollback (a key whose row was rolled back would seal
data no one could ever open)."""
from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from infrastructure.bootstrap import Services


class _Abandoned(Exception):
    """The command fails after its new key was created."""


def test_a_key_created_in_an_open_unit_of_work_is_not_used_by_another_thread(services: Services) -> None:
    subject = str(uuid4())
    vault = services.app.key_vault
    created, checked = threading.Event(), threading.Event()
    seen_elsewhere: list[bytes | None] = []

    def other_request() -> None:
        created.wait(10)
        seen_elsewhere.append(vault.key_for(subject, create=False))
        checked.set()

    thread = threading.Thread(target=other_request)
    thread.start()
    with pytest.raises(_Abandoned), services.app.unit_of_work():
        assert vault.key_for(subject, create=True) is not None
        assert vault.key_for(subject, create=False) is not None  # its own transaction sees it
        created.set()
        checked.wait(10)
        raise _Abandoned
    thread.join(10)
    assert seen_elsewhere == [None]
    assert vault.key_for(subject, create=False) is None


def test_a_key_created_in_a_committed_unit_of_work_is_shared_once_committed(services: Services) -> None:
    subject = str(uuid4())
    vault = services.app.key_vault
    with services.app.unit_of_work():
        key = vault.key_for(subject, create=True)
        with services.app.unit_of_work():  # a nested one (a savepoint) that commits
            assert vault.key_for(subject, create=False) == key
    seen: list[bytes | None] = []
    thread = threading.Thread(target=lambda: seen.append(vault.key_for(subject, create=False)))
    thread.start()
    thread.join(10)
    assert seen == [key] and vault.key_for(subject, create=False) == key


def test_a_key_created_in_a_nested_unit_that_committed_is_dropped_when_the_outer_one_fails(
    services: Services
) -> None:
    subject = str(uuid4())
    vault = services.app.key_vault
    with pytest.raises(_Abandoned), services.app.unit_of_work():
        with services.app.unit_of_work():  # a savepoint that commits, inside a transaction that will not
            assert vault.key_for(subject, create=True) is not None
        raise _Abandoned
    with services.app.unit_of_work():  # a later command of the same thread commits
        pass
    assert vault.key_for(subject, create=False) is None  # its row was rolled back: never remembered
