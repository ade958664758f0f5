"""Before a `relais` command builds its connection pool: is the database there at all?

Without this check a missing database or a server that is down surfaced as psycopg_pool's
PoolTimeout traceback after 30 s with exit status 1, which for verify-log means "tampered":
monitoring could not tell an outage from an altered log. One plain connection with a short
timeout answers in a few seconds at most, and the command exits 2 with one English line.

Commands that work on an installation already there (all but serve, migrate, seed-demo and create-user) also
refuse a database that is not there or holds no Relais schema: building the services would create
one, and a mistyped RELAIS_DATA_DIR would then answer "log intact: 0 records" from a brand-new empty
log signed by a brand-new key (review 7, finding 2). And no command makes new keys for a database that
holds Relais data: with a new secret key none of the people's data would open, with a new signing key
none of the checkpoints would verify (review 8, findings 1 and 2).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from infrastructure.database_url import DatabaseUrl
from infrastructure.settings import SECRET_KEY_FILE, data_dir_of
from infrastructure.signing_key import KEY_FILE as SIGNING_KEY_FILE

#: Seconds to wait for the server: long enough for a loaded machine, short enough to fail fast.
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUnreachableError(Exception):
    """The database cannot be opened: one English line on stderr, exit status 2."""


def check_database(url: DatabaseUrl, existing: bool = False) -> bool:
    """Whether the database already holds Relais' schema; DatabaseUnreachableError when a PostgreSQL
    server cannot be reached, or (`existing`) when there is no Relais database there (an SQLite file
    is otherwise created on first use)."""
    if url.dialect != "postgresql":
        installed = _sqlite_installed(url)
    else:
        installed = _postgres_installed(url)
    if existing and not installed:
        raise DatabaseUnreachableError(_not_installed(url, "it holds no Relais schema" if _exists(url) else "no such file"))
    return installed


def check_keys(env: Mapping[str, str]) -> None:
    """An installation's keys must be where the settings look: Settings would otherwise make new ones,
    with which none of the people's data opens and none of the log's checkpoints verifies."""
    wanted = (("RELAIS_SECRET_KEY", SECRET_KEY_FILE, "the key that opens the people's data"),
              ("RELAIS_SIGNING_KEY", SIGNING_KEY_FILE, "the key that signs the log's checkpoints"))
    for setting, name, what in wanted:
        path = data_dir_of(env) / name
        if not env.get(setting, "").strip() and not path.is_file():
            raise DatabaseUnreachableError(
                f"the database holds Relais data but {path} ({what}) is missing: RELAIS_DATA_DIR must name this "
                f"installation's data folder (or set {setting}); a new key is never made for an existing database")


def _exists(url: DatabaseUrl) -> bool:
    return url.dialect == "postgresql" or (url.path is not None and url.path.is_file())


def _sqlite_installed(url: DatabaseUrl) -> bool:
    assert url.path is not None
    if not url.path.is_file():
        return False
    try:  # read-only: a check must not create or change the file
        connection = sqlite3.connect(f"{url.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone() is not None
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise DatabaseUnreachableError(f"cannot open the database {url.describe()}: {error}") from None


def _postgres_installed(url: DatabaseUrl) -> bool:
    import psycopg  # here: SQLite users never load it

    try:
        with psycopg.connect(url.conninfo(), connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True) as connection:
            row = connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        return bool(row and row[0])
    except psycopg.Error as error:
        reason = _first_line(error)
        hint = (f"create it first (`createdb -h {url.host} -p {url.port} {url.dbname}`, see README)"
                if "does not exist" in reason and f'"{url.dbname}"' in reason
                else "check that the server runs and RELAIS_DATABASE_URL is right")
        raise DatabaseUnreachableError(f"cannot open the database {url.describe()}: {reason}; {hint}") from None


def _not_installed(url: DatabaseUrl, why: str) -> str:
    return (f"no Relais database at {url.describe()} ({why}): check RELAIS_DATABASE_URL and RELAIS_DATA_DIR; "
            "this command never creates one (`relais migrate` or `make run` does)")


def _first_line(error: Exception) -> str:
    # psycopg's text: 'connection failed: connection to server at "H", port P failed: REASON', then hints.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    return " ".join(line.removeprefix("connection failed:").split())
