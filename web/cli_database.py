"""Before a `relais` command builds its connection pool: is the database there at all?

Without this check a missing database or a server that is down surfaced as psycopg_pool's
PoolTimeout traceback after 30 s with exit status 1, which for verify-log means "tampered":
monitoring could not tell an outage from an altered log. One plain connection with a short
timeout answers in a few seconds at most, and the command exits 2 with one English line.

Commands that read, verify or change what an installation already holds (verify-log, export, an
erasure...) also refuse a database that is not there or holds no Relais schema, and a missing key
file: building the services would create them, and a mistyped RELAIS_DATA_DIR would then answer
"log intact: 0 records" from a brand-new empty log signed with a brand-new key (review 7, finding 2).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from infrastructure.database_url import DatabaseUrl
from infrastructure.settings import data_dir_of

#: Seconds to wait for the server: long enough for a loaded machine, short enough to fail fast.
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUnreachableError(Exception):
    """The database cannot be opened: one English line on stderr, exit status 2."""


def check_database(url: DatabaseUrl, existing: bool = False) -> None:
    """Raise DatabaseUnreachableError unless a connection to the PostgreSQL database opens (an SQLite
    file is created on first use). `existing`: the database must also hold Relais' schema already."""
    if url.dialect != "postgresql":
        if existing:
            _check_sqlite_file(url)
        return
    import psycopg  # here: SQLite users never load it

    try:
        with psycopg.connect(url.conninfo(), connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True) as connection:
            row = connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        if existing and not (row and row[0]):
            raise DatabaseUnreachableError(_not_installed(url, "it holds no Relais schema"))
    except psycopg.Error as error:
        reason = _first_line(error)
        hint = (f"create it first (`createdb -h {url.host} -p {url.port} {url.dbname}`, see README)"
                if "does not exist" in reason and f'"{url.dbname}"' in reason
                else "check that the server runs and RELAIS_DATABASE_URL is right")
        raise DatabaseUnreachableError(f"cannot open the database {url.describe()}: {reason}; {hint}") from None


def check_installation(env: Mapping[str, str]) -> None:
    """For a command that works on an existing installation: its key file must be there too (else
    Settings would make a new one, which opens none of the people's data)."""
    if env.get("RELAIS_SECRET_KEY", "").strip():
        return
    key = data_dir_of(env) / "secret.key"
    if not key.is_file():
        raise DatabaseUnreachableError(
            f"no secret key at {key}: RELAIS_DATA_DIR must name the installation's data folder (or set "
            "RELAIS_SECRET_KEY); this command never creates one")


def _check_sqlite_file(url: DatabaseUrl) -> None:
    assert url.path is not None
    if not url.path.is_file():
        raise DatabaseUnreachableError(_not_installed(url, "no such file"))
    try:  # read-only: a check must not create or change the file
        connection = sqlite3.connect(f"{url.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            installed = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise DatabaseUnreachableError(f"cannot open the database {url.describe()}: {error}") from None
    if installed is None:
        raise DatabaseUnreachableError(_not_installed(url, "it holds no Relais schema"))


def _not_installed(url: DatabaseUrl, why: str) -> str:
    return (f"no Relais database at {url.describe()} ({why}): check RELAIS_DATABASE_URL and RELAIS_DATA_DIR; "
            "this command never creates one (`relais migrate` or `make run` does)")


def _first_line(error: Exception) -> str:
    # psycopg's text: 'connection failed: connection to server at "H", port P failed: REASON', then hints.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    return " ".join(line.removeprefix("connection failed:").split())
