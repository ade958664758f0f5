"""Server-side sign-in sessions and the sign-in throttle, on the read-model database.

The browser holds only a random token; the table holds its SHA-256 digest, so a copy
of the database does not hand out live sessions. Times are whole seconds since the
epoch, read from the clock port (tests advance it). SQL is portable: `?`
placeholders, BIGINT seconds, and `ON CONFLICT` upserts understood by SQLite and
PostgreSQL alike.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from application.ports import Database, Row
from application.queries.accounts import AccountView

_SESSION_COLUMNS = (
    "s.account_id AS session_account_id, s.csrf_secret AS session_csrf_secret, "
    "s.created_at AS session_created_at, s.last_seen_at AS session_last_seen_at"
)
_SESSION_ONLY = f"SELECT {_SESSION_COLUMNS} FROM web_sessions s WHERE s.token_digest = ?"
#: The session and its account (the columns `AccountView.from_row` reads, under their own names).
_WITH_ACCOUNT = (
    f"SELECT {_SESSION_COLUMNS}, a.id, a.username, a.role, a.agency_id, a.active, a.version, a.created_at "
    "FROM web_sessions s LEFT JOIN rm_accounts a ON a.id = s.account_id WHERE s.token_digest = ?"
)

#: Writing `last_seen_at` on every request would turn each page view into a write;
#: once a minute is precise enough for an idle timeout counted in minutes.
TOUCH_INTERVAL_SECONDS = 60
MAX_TOKEN_LENGTH = 128


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class WebSession:
    account_id: str
    csrf_secret: str
    created_at: int
    last_seen_at: int


@dataclass(frozen=True)
class SessionLookup:
    """A read-only look-up: the live session (or None), and whether `get` would write first."""

    session: WebSession | None
    write_due: bool


class WebSessionStore:
    """Sessions with an idle timeout and an absolute lifetime, kept in `web_sessions`."""

    def __init__(self, database: Database, clock: Any, idle_seconds: int, absolute_seconds: int) -> None:
        self.database = database
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        # A short idle timeout needs more frequent touches, or activity would not keep it alive.
        self.touch_interval = max(1, min(TOUCH_INTERVAL_SECONDS, idle_seconds // 2))

    def open(self, account_id: str, replacing: str | None = None) -> str:
        """Start a session for the account and return its token (the cookie value).

        A fresh token at each sign-in; the session it replaces (if any) is dropped,
        so a token planted before sign-in is worthless afterwards.
        """
        token = secrets.token_urlsafe(32)
        now = self._now()
        with self.database.transaction() as tx:
            if replacing:
                tx.execute("DELETE FROM web_sessions WHERE token_digest = ?", (_digest(replacing),))
            # Housekeeping: expired rows are useless, sign-in is a good time to drop them.
            tx.execute(
                "DELETE FROM web_sessions WHERE last_seen_at <= ? OR created_at <= ?",
                (now - self.idle_seconds, now - self.absolute_seconds),
            )
            tx.execute(
                "INSERT INTO web_sessions (token_digest, account_id, csrf_secret, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (_digest(token), account_id, secrets.token_hex(32), now, now),
            )
        return token

    def get(self, token: str | None) -> WebSession | None:
        """The live session of this token, or None (unknown, expired or malformed).

        Drops an expired row and records activity (at most every `touch_interval`).
        """
        found = self._read(token)
        if found is None:
            return None
        digest, session, now, _ = found
        if self._expired(session, now):
            self._delete(digest)
            return None
        if self._touch_due(session, now):
            with self.database.transaction() as tx:
                tx.execute("UPDATE web_sessions SET last_seen_at = ? WHERE token_digest = ?", (now, digest))
        return session

    def look_up(self, token: str | None) -> SessionLookup:
        """What `get` would answer, without writing: `write_due` when it would write first."""
        return self._judge(self._read(token))

    def look_up_with_account(self, token: str | None) -> tuple[SessionLookup, AccountView | None]:
        """`look_up`, and the account of a live session as `AccountQueries.by_id` reads it (None if
        there is no such account row): one statement instead of two read transactions."""
        found = self._read(token, _WITH_ACCOUNT)
        lookup = self._judge(found)
        if lookup.session is None or found is None or found[3]["id"] is None:
            return lookup, None
        return lookup, AccountView.from_row(found[3])

    def _judge(self, found: tuple[str, WebSession, int, Row] | None) -> SessionLookup:
        if found is None:
            return SessionLookup(None, write_due=False)
        _, session, now, _ = found
        if self._expired(session, now):
            return SessionLookup(None, write_due=True)
        return SessionLookup(session, write_due=self._touch_due(session, now))

    def _read(self, token: str | None, query: str = _SESSION_ONLY) -> tuple[str, WebSession, int, Row] | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        digest = _digest(token)
        now = self._now()
        with self.database.read() as tx:
            row = tx.fetchone(query, (digest,))
        if row is None:
            return None
        session = WebSession(
            account_id=row["session_account_id"],
            csrf_secret=row["session_csrf_secret"],
            created_at=int(row["session_created_at"]),
            last_seen_at=int(row["session_last_seen_at"]),
        )
        return digest, session, now, row

    def close(self, token: str | None) -> None:
        """Sign out: the token no longer opens anything, wherever it was copied."""
        if token and len(token) <= MAX_TOKEN_LENGTH:
            self._delete(_digest(token))

    def close_all(self, account_id: str) -> int:
        """End every session of an account (e.g. after a password change)."""
        with self.database.transaction() as tx:
            return tx.execute("DELETE FROM web_sessions WHERE account_id = ?", (account_id,))

    def _expired(self, session: WebSession, now: int) -> bool:
        return now - session.last_seen_at >= self.idle_seconds or now - session.created_at >= self.absolute_seconds

    def _touch_due(self, session: WebSession, now: int) -> bool:
        return now - session.last_seen_at >= self.touch_interval

    def _delete(self, digest: str) -> None:
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM web_sessions WHERE token_digest = ?", (digest,))

    def _now(self) -> int:
        return int(self.clock.now().timestamp())


class LoginThrottle:
    """Failed sign-ins counted per key (an account name, a client address) in a window.

    Keys are stored as digests: the table names neither people nor addresses.
    The window starts at the first failure and lasts `window_seconds`.

    An account is blocked after `max_failures` (OWASP: throttle per account). An address is blocked
    only after `address_max_failures`, far more: many people share one address (an agency behind
    NAT, a proxy that is not trusted), and a low address limit let five wrong passwords lock all
    of them out, right passwords included (docs/adr/0007, amendment of session 6).
    """

    def __init__(
        self, database: Database, clock: Any, max_failures: int, window_seconds: int,
        address_max_failures: int | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.address_max_failures = address_max_failures or max_failures

    @staticmethod
    def key(kind: str, value: str) -> str:
        return _digest(f"{kind}:{value}")

    def sign_in_keys(self, username: str, address: str) -> dict[str, int]:
        """A sign-in's keys, each with its own limit: the account name's, then the address's."""
        return {self.key("account", username): self.max_failures, self.key("address", address): self.address_max_failures}

    def retry_after(self, keys: list[str] | dict[str, int]) -> int:
        """Seconds until a sign-in may be tried again; 0 when none of the keys is blocked.

        `keys` maps each key to its limit (as `sign_in_keys` does); a list gives each `max_failures`."""
        limits = keys if isinstance(keys, dict) else dict.fromkeys(keys, self.max_failures)
        if not limits:
            return 0
        now = self._now()
        marks = ", ".join("?" for _ in limits)
        with self.database.read() as tx:
            rows = tx.fetchall(
                f"SELECT throttle_key, failures, window_started FROM login_failures WHERE throttle_key IN ({marks})",
                list(limits),
            )
        waits = [
            int(row["window_started"]) + self.window_seconds - now
            for row in rows
            if int(row["failures"]) >= limits[row["throttle_key"]]
            and now - int(row["window_started"]) < self.window_seconds
        ]
        return max(waits, default=0)

    def record_failure(self, keys: list[str]) -> None:
        now = self._now()
        window_start_limit = now - self.window_seconds
        with self.database.transaction() as tx:
            for key in keys:
                tx.execute(
                    "INSERT INTO login_failures (throttle_key, failures, window_started) VALUES (?, 1, ?) "
                    "ON CONFLICT (throttle_key) DO UPDATE SET "
                    "failures = CASE WHEN login_failures.window_started <= ? THEN 1 "
                    "ELSE login_failures.failures + 1 END, "
                    "window_started = CASE WHEN login_failures.window_started <= ? THEN excluded.window_started "
                    "ELSE login_failures.window_started END",
                    (key, now, window_start_limit, window_start_limit),
                )
            tx.execute("DELETE FROM login_failures WHERE window_started <= ?", (window_start_limit,))

    def clear(self, key: str) -> None:
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM login_failures WHERE throttle_key = ?", (key,))

    def _now(self) -> int:
        return int(self.clock.now().timestamp())
