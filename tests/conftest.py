"""Fixtures shared by every suite: clocks, fast password hashing, and the two stores.

The same scenarios run on SQLite and on PostgreSQL (`store` fixture). With CI=true a
missing PostgreSQL server fails the run instead of skipping it.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


class AdvanceableClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture
def clock() -> AdvanceableClock:
    return AdvanceableClock()


@pytest.fixture(scope="session")
def fast_passwords() -> Argon2PasswordHasher:
    # Real argon2id, cheap parameters: the tests check behaviour, not hardness.
    return Argon2PasswordHasher(time_cost=1, memory_cost=64)


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN):
            return True
    except psycopg.OperationalError as error:
        if in_ci():
            pytest.fail(f"PostgreSQL is mandatory in CI and unreachable: {error}")
        return False


@pytest.fixture
def postgres_url(postgres_available: bool) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    if not postgres_available:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (mandatory when CI=true)")
    name = f"relais_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_for(data_dir: Path, database_url: str | None = None, **extra: str) -> Settings:
    env = {"RELAIS_DATA_DIR": str(data_dir), "RELAIS_SEED_DEMO": "0", **extra}
    if database_url:
        env["RELAIS_DATABASE_URL"] = database_url
    return Settings.from_env(env)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """The database URL of the store under test (None: the embedded SQLite default)."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def make_services(
    tmp_path: Path, store: str | None, clock: AdvanceableClock, fast_passwords: Argon2PasswordHasher
) -> Iterator[Callable[..., Services]]:
    """Build Services on the store under test; several calls share the same data (two processes' view)."""
    built: list[Services] = []

    def make(**kwargs: object) -> Services:
        services = bootstrap(settings_for(tmp_path, store), clock=clock, passwords=fast_passwords, **kwargs)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return make_services()
