"""Before a `relais` command builds its connection pool: is the PostgreSQL database there at all?

Without this check a missing database or a server that is down surfaced as psycopg_pool's
PoolTimeout traceback after 30 s with exit status 1, which for verify-log means "tampered":
monitoring could not tell an outage from an altered log. One plain connection with a short
timeout answers in a few seconds at most, and the command exits 2 with one English line.
"""
from __future__ import annotations

from infrastructure.database_url import DatabaseUrl

#: Seconds to wait for the server: long enough for a loaded machine, short enough to fail fast.
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUnreachableError(Exception):
    """The database cannot be opened: one English line on stderr, exit status 2."""


def check_database(url: DatabaseUrl) -> None:
    """Raise DatabaseUnreachableError unless a connection to the PostgreSQL database opens (SQLite
    files are created on first use: nothing to check)."""
    if url.dialect != "postgresql":
        return
    import psycopg  # here: SQLite users never load it

    try:
        psycopg.connect(url.conninfo(), connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True).close()
    except psycopg.Error as error:
        reason = _first_line(error)
        hint = (f"create it first (`createdb -h {url.host} -p {url.port} {url.dbname}`, see README)"
                if "does not exist" in reason and f'"{url.dbname}"' in reason
                else "check that the server runs and RELAIS_DATABASE_URL is right")
        raise DatabaseUnreachableError(f"cannot open the database {url.describe()}: {reason}; {hint}") from None


def _first_line(error: Exception) -> str:
    # psycopg's text: 'connection failed: connection to server at "H", port P failed: REASON', then hints.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    return " ".join(line.removeprefix("connection failed:").split())
