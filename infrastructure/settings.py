"""Settings, read once from the environment. Every variable is listed in the README."""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from infrastructure.database_url import DatabaseUrl


class SettingsError(ValueError):
    """An environment variable has a value Relais cannot use."""


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "y", "on"):
        return True
    if raw in ("0", "false", "no", "n", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    data_dir: Path
    database: DatabaseUrl
    secret_key: bytes
    seed_demo: bool
    session_idle_minutes: int
    session_absolute_hours: int
    login_max_failures: int
    login_window_minutes: int
    secure_cookies: bool | None  # None: decided by the request's scheme
    projection_poll_seconds: float
    log_level: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("RELAIS_DATA_DIR", "data"))
        url = env.get("RELAIS_DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'relais.sqlite'}"
        try:
            database = DatabaseUrl.parse(url)
        except ValueError as error:
            raise SettingsError(f"RELAIS_DATABASE_URL: {error}") from None
        secure = env.get("RELAIS_SECURE_COOKIES", "").strip()
        return cls(
            host=env.get("RELAIS_HOST", "127.0.0.1"),
            port=_int(env, "RELAIS_PORT", 8000, 1, 65535),
            data_dir=data_dir,
            database=database,
            secret_key=_secret_key(env.get("RELAIS_SECRET_KEY", ""), data_dir),
            seed_demo=_bool(env, "RELAIS_SEED_DEMO", True),
            session_idle_minutes=_int(env, "RELAIS_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
            session_absolute_hours=_int(env, "RELAIS_SESSION_ABSOLUTE_HOURS", 10, 1, 7 * 24),
            login_max_failures=_int(env, "RELAIS_LOGIN_MAX_FAILURES", 5, 1, 1000),
            login_window_minutes=_int(env, "RELAIS_LOGIN_WINDOW_MINUTES", 15, 1, 24 * 60),
            secure_cookies=None if not secure else _bool(env, "RELAIS_SECURE_COOKIES", False),
            projection_poll_seconds=_int(env, "RELAIS_PROJECTION_POLL_MS", 500, 50, 60_000) / 1000,
            log_level=env.get("RELAIS_LOG_LEVEL", "INFO").upper(),
        )


def _secret_key(configured: str, data_dir: Path) -> bytes:
    """32 bytes: from RELAIS_SECRET_KEY, or a key file made once under the data folder."""
    if configured:
        try:
            raw = base64.b64decode(configured, validate=True)
        except ValueError:
            raw = b""
        if len(raw) == 32:
            return raw
        if len(configured) < 32:
            raise SettingsError("RELAIS_SECRET_KEY must be 32 bytes in base64, or a passphrase of 32+ characters")
        return hashlib.sha256(configured.encode()).digest()
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written aside then linked into place: two processes starting at once on a new
        # data folder must end up with the same, complete key.
        fd, draft = tempfile.mkstemp(dir=data_dir, prefix=".secret-")
        with os.fdopen(fd, "w") as file:
            file.write(base64.b64encode(secrets.token_bytes(32)).decode())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    key = base64.b64decode(path.read_text().strip())
    if len(key) != 32:
        raise SettingsError(f"{path} does not hold a 32-byte key in base64")
    return key
