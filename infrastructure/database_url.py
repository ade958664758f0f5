"""RELAIS_DATABASE_URL: which store, and the eventsourcing settings that select it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class DatabaseUrlError(ValueError):
    """RELAIS_DATABASE_URL is neither an sqlite:/// path nor a postgresql:// address."""


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: str  # "sqlite" or "postgresql"
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///") :]
            if not path:
                raise DatabaseUrlError("sqlite URL needs a file path, e.g. sqlite:///data/relais.sqlite")
            return cls(dialect="sqlite", path=Path(unquote(path)))
        parts = urlsplit(url)
        if parts.scheme in ("postgresql", "postgres"):
            dbname = parts.path.lstrip("/")
            if not dbname:
                raise DatabaseUrlError("postgresql URL needs a database name, e.g. postgresql://user@host:5432/relais")
            return cls(
                dialect="postgresql",
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                dbname=dbname,
            )
        raise DatabaseUrlError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")

    def describe(self) -> str:
        """Where the data lives, without the password (for /health and logs)."""
        if self.dialect == "sqlite":
            return f"sqlite:{self.path}"
        return f"postgresql://{self.user + '@' if self.user else ''}{self.host}:{self.port}/{self.dbname}"

    def conninfo(self) -> str:
        parts = {"host": self.host, "port": str(self.port), "dbname": self.dbname}
        if self.user:
            parts["user"] = self.user
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{k}='{v}'" for k, v in parts.items())

    def eventsourcing_env(self, create_table: bool = False) -> dict[str, str]:
        common = {"CREATE_TABLE": "y" if create_table else "n"}
        if self.dialect == "sqlite":
            assert self.path is not None
            return {
                **common,
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        env = {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user or "postgres",
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # Not "y": the shipped insert function takes no table lock, and projections would skip events.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            # Same table and locking, batches inserted as plain arrays (infrastructure/pg_recorder.py).
            "APPLICATION_RECORDER_TOPIC": "infrastructure.pg_recorder:ArrayInsertPostgresApplicationRecorder",
        }
        return env
