"""Helpers shared by the benchmarks: temp stores, bounded timing, and what a command costs.

Nothing here is product code. The counting tools (`PgWireProxy`, `SqliteStatementLog`,
`PhaseTimer`) only observe a Relais built in this process; they change no behaviour.
Every connection goes to 127.0.0.1.
"""
from __future__ import annotations

import base64
import os
import platform
import re
import secrets
import select
import socket
import sqlite3
import statistics
import struct
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN = f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres connect_timeout=3"
#: Benchmark databases are named so; anything with this prefix left by a killed run is safe to drop.
PG_PREFIX = "relais_bench_"


# ------------------------------------------------------------------------ stores


def postgres_reachable() -> str | None:
    """None when the server answers, else the reason."""
    try:
        with psycopg.connect(PG_ADMIN):
            return None
    except psycopg.OperationalError as error:
        return str(error).strip().splitlines()[0]


class TempPostgres:
    """Creates throwaway databases on 127.0.0.1:5432 and drops them all on `drop_all()`."""

    def __init__(self) -> None:
        self.run_id = secrets.token_hex(4)
        self.names: list[str] = []

    def create(self, suffix: str) -> str:
        name = f"{PG_PREFIX}{self.run_id}_{suffix}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return name

    @staticmethod
    def url(name: str, port: int = PG_PORT) -> str:
        return f"postgresql://postgres@{PG_HOST}:{port}/{name}"

    @staticmethod
    def conninfo(name: str) -> str:
        return f"host={PG_HOST} port={PG_PORT} user=postgres dbname={name} connect_timeout=3"

    def drop_all(self) -> None:
        if not self.names:
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for name in self.names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.clear()


def relais_settings(data_dir: Path, database_url: str | None) -> Any:
    """Settings as the app would read them, on a throwaway folder and store."""
    from infrastructure.settings import Settings

    env = {
        "RELAIS_DATA_DIR": str(data_dir),
        "RELAIS_SEED_DEMO": "0",
        # A fresh master key for this run only (no key file written).
        "RELAIS_SECRET_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    if database_url:
        env["RELAIS_DATABASE_URL"] = database_url
    return Settings.from_env(env)


# ------------------------------------------------------------------------ workload

FIRST_NAMES = ("Camille", "Léa", "Hugo", "Nadia", "Karim", "Élodie", "Thomas", "Inès", "Julien", "Sofiane")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Benali", "Girard", "Nguyen", "Roux", "Fontaine")


class Registrations:
    """Distinct, valid job seekers: 06 + 8 digits (one number per call), commune Lyon."""

    def __init__(self, start: int = 10_000_000) -> None:
        self._next = start

    def details(self) -> Any:
        from application.candidates import CandidateDetails

        n = self._next
        self._next += 1
        return CandidateDetails(
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)],
            phone=f"06 {n:08d}",
            commune="Lyon",
            rome_codes=("K2204", "G1602"),
            skills=("nettoyage de locaux", "service en salle"),
            available_from=date(2027, 1, 4),
            mobility_km=15,
            notes="Cherche un poste à temps partiel le matin, permis B.",
        )


def advisor() -> Any:
    from application.caller import Caller

    return Caller(actor_id="bench-advisor", role="advisor", agency_id="agence-lyon-est", correlation_id="bench")


def register_once(services: Any, registrations: Registrations, caller: Any) -> None:
    services.app.register_candidate(registrations.details(), sms_consent=True, caller=caller)


# ------------------------------------------------------------------------ timing


@dataclass
class Measure:
    rates: list[float] = field(default_factory=list)
    ops: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else float("nan")

    def spread(self) -> str:
        if not self.rates:
            return "-"
        return f"{min(self.rates):,.0f}–{max(self.rates):,.0f}"


def run_bounded(op: Callable[[], None], max_ops: int, max_seconds: float) -> tuple[int, float]:
    """Call `op` until `max_ops` calls or `max_seconds` elapsed; return (calls, seconds)."""
    done = 0
    start = time.perf_counter()
    deadline = start + max_seconds
    while done < max_ops:
        op()
        done += 1
        if time.perf_counter() >= deadline:
            break
    return done, time.perf_counter() - start


def load_line() -> str:
    one, five, _ = os.getloadavg()
    busy = "  (machine busy: figures are noisy)" if one > 0.5 * (os.cpu_count() or 1) else ""
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min){busy}"


def machine_line() -> str:
    return (
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, psycopg {psycopg.__version__} "
        f"({psycopg.pq.__impl__})"
    )


def postgres_version() -> str:
    with psycopg.connect(PG_ADMIN) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0].split()[0]}" if row else "PostgreSQL ?"


def python_floor_ms(registrations: int) -> float:
    """Milliseconds of pure Python per registration: the same use case on in-memory stores.

    eventsourcing's POPO recorder, keys in a dict, no duplicate to find: validation,
    phonenumbers, the aggregate, JSON and AES-GCM remain. No command can cost less.
    """
    from application.app import Relais
    from infrastructure.clock import SystemClock
    from infrastructure.gazetteer import InseeGazetteer
    from infrastructure.passwords import Argon2PasswordHasher
    from infrastructure.personal_data import EncryptedPersonalData

    class Keys:
        def __init__(self) -> None:
            self.keys: dict[str, bytes] = {}

        def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
            if subject_id not in self.keys and create:
                self.keys[subject_id] = os.urandom(32)
            return self.keys.get(subject_id)

        def destroy(self, subject_id: str) -> bool:
            return self.keys.pop(subject_id, None) is not None

        def purge_residues(self) -> None:
            pass

    class NoDuplicates:
        def account_exists(self, username: str) -> bool:
            return False

        def active_administrators(self) -> frozenset[str]:
            return frozenset()

        def claim(self, agency_id: str, phones: object, *, replacing: bool = False) -> set[object]:
            return set()  # every number is free: the floor counts no look-up

        def claim_new(self, agency_id: str, person: object, phone: str, refused: Exception) -> None:
            pass  # as `claim`: the number is free

        def release(self, candidate_id: object) -> None:
            pass

    keys = Keys()
    app = Relais(
        clock=SystemClock(),
        passwords=Argon2PasswordHasher(),
        key_vault=keys,
        personal_data_transcoding=EncryptedPersonalData(keys),
        gazetteer=InseeGazetteer(),
        directory=NoDuplicates(),
        phone_claims=NoDuplicates(),
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
    )
    workload, caller = Registrations(), advisor()

    def once() -> None:
        app.register_candidate(workload.details(), sms_consent=True, caller=caller)

    run_bounded(once, max(20, registrations // 5), 2.0)
    times = []
    for _ in range(3):
        done, seconds = run_bounded(once, registrations, 5.0)
        times.append(1000 * seconds / done)
    return statistics.median(times)


# ------------------------------------------------------------------------ raw inserts

SQLITE_RAW_TABLE = (
    # The shape of eventsourcing's SQLite application table (rowid = notification id).
    "CREATE TABLE raw_events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
    "PRIMARY KEY (originator_id, originator_version))"
)
PG_RAW_TABLE = (
    # The shape of eventsourcing's PostgreSQL application table, indexes included.
    "CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
    "state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
)
PG_RAW_INDEX = "CREATE UNIQUE INDEX raw_events_notification_id ON raw_events (notification_id ASC)"
TOPIC = "domain.candidate:Candidate.Registered"


class SqliteRawInserter:
    """BEGIN; INSERT one row; COMMIT — WAL and the default synchronous level, like the app."""

    def __init__(self, path: Path, state: bytes) -> None:
        self.state = state
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(SQLITE_RAW_TABLE)

    def __call__(self) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO raw_events VALUES (?, ?, ?, ?)", (uuid.uuid4().hex, 1, TOPIC, self.state))
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class PostgresRawInserter:
    """One INSERT then COMMIT per row (psycopg, default synchronous_commit), like the app's driver."""

    def __init__(self, conninfo: str, state: bytes) -> None:
        self.state = state
        self.conn = psycopg.connect(conninfo)
        self.conn.execute(PG_RAW_TABLE)
        self.conn.execute(PG_RAW_INDEX)
        self.conn.commit()

    def __call__(self) -> None:
        self.conn.execute(
            "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
            (uuid.uuid4(), 1, TOPIC, self.state),
        )
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


# ------------------------------------------------------------------------ counting round trips

_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE | re.DOTALL))
    for name, pattern in (
        ("key read", r"select\s+wrapped_key\s+from\s+personal_keys"),
        ("key create", r"insert\s+into\s+personal_keys"),
        ("phone claim", r"phone_claims"),
        # The event insert that also claims the projections' positions (docs/adr/0020, session 5).
        ("event insert claiming positions", r"^with\s+new\s+as\s*\(\s*insert\s+into\s+\S*events\b.*projection_tracking"),
        # The library names the event table after the application ("relais_events").
        ("event insert", r"insert\s+into\s+\S*events\b|lock\s+table|set\s+local\s+lock_timeout|^notify\b"
                         r"|set_config\('lock_timeout'.*pg_notify"),
        ("log head", r"select\s+max\((notification_id|rowid)\)"),
        ("log read", r"from\s+\S*events\b"),
        ("projection claim", r"update\s+projection_tracking"),
        ("projection positions", r"select\s+name,\s*position\s+from\s+projection_tracking"),
        ("projection tracking", r"projection_tracking"),
        ("read-model write", r"^(insert\s+into|update)\s+rm_"),
        ("begin", r"^begin\b"),
        ("commit", r"^commit\b"),
        ("rollback", r"^rollback\b"),
    )
)


#: Writes sent as one statement, each a part of a data-modifying WITH (docs/adr/0020, session 6).
_COMBINED = re.compile(r"^with\s+w0\s+as\s*\(", re.IGNORECASE)
_WRITTEN = re.compile(r"(?:\(|\)\s)\s*(?:insert\s+into|update|delete\s+from)\s+\"?(?:\w+\"?\.\"?)?(\w+)", re.IGNORECASE)


def statement_category(sql: str) -> str:
    text = sql.strip()
    if _COMBINED.search(text):
        # "one statement: phone claim + key create + event insert claiming positions", say
        names: list[str] = []
        for table in _WRITTEN.findall(text):
            name = ("event insert claiming positions" if table.endswith("events") and "projection_tracking" in text
                    else statement_category(f"insert into {table}"))
            if table != "projection_tracking" and name not in names or name == "read-model write":
                names.append(name)
        return "one statement: " + " + ".join(names)
    for name, pattern in _CATEGORIES:
        if pattern.search(text):
            return name
    return "other: " + " ".join(text.split())[:60]


#: Statements that change rows: a transaction holding one must reach the disk at commit.
WRITE_CATEGORIES = frozenset({"key create", "event insert", "event insert claiming positions", "projection claim",
                              "read-model write"})


def transaction_label(categories: list[str]) -> str:
    """Name a transaction by what it is for."""
    body = [c for c in categories if c not in ("begin", "commit", "rollback")]
    if "projection claim" in body or any("event insert claiming positions" in c for c in body):
        return "projection batch (claims events)"
    if "projection tracking" in body:
        return "projection batch (nothing new)"
    if body == ["projection positions"]:
        return "projection positions read"
    if not body:
        return "empty"
    return body[0]


@dataclass
class Statement:
    conn: int
    sql: str
    burst: int  # global id of the client→server burst that carried it (one round trip)


@dataclass
class Transaction:
    conn: int
    statements: list[Statement]

    @property
    def categories(self) -> list[str]:
        return [statement_category(s.sql) for s in self.statements]

    @property
    def label(self) -> str:
        return transaction_label(self.categories)

    @property
    def round_trips(self) -> int:
        return len({s.burst for s in self.statements})

    @property
    def commits(self) -> int:
        return sum(1 for c in self.categories if c == "commit")

    @property
    def durable_commits(self) -> int:
        """Commits that flush the log to disk (fsync): those of transactions that wrote."""
        writes = any(c in WRITE_CATEGORIES or c.startswith("one statement") for c in self.categories)
        return self.commits if writes else 0


def group_transactions(statements: list[Statement]) -> list[Transaction]:
    """Split a statement log into transactions, per connection, in order of their first statement."""
    open_tx: dict[int, Transaction] = {}
    done: list[tuple[int, Transaction]] = []
    for index, statement in enumerate(statements):
        category = statement_category(statement.sql)
        tx = open_tx.get(statement.conn)
        if tx is None:
            tx = Transaction(statement.conn, [])
            done.append((index, tx))
            if category == "begin":
                open_tx[statement.conn] = tx
        tx.statements.append(statement)
        if category in ("commit", "rollback"):
            open_tx.pop(statement.conn, None)
    return [tx for _, tx in done]


class PgWireProxy:
    """A TCP relay on 127.0.0.1 that reads the PostgreSQL frontend protocol as it passes.

    It records every statement executed (simple and extended protocol) and counts round
    trips: a new one starts whenever the client sends after having received. Pipelined
    messages (the library's event insert) share one round trip, as they do on the wire.
    """

    SSL_REQUEST = 80877103
    GSS_REQUEST = 80877104

    def __init__(self, upstream: tuple[str, int] = (PG_HOST, PG_PORT)) -> None:
        self.upstream = upstream
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((PG_HOST, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.statements: list[Statement] = []
        self.connections = 0
        self._bursts = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(target=self._accept, name="pg-proxy", daemon=True)
        self._accept_thread.start()

    def mark(self) -> int:
        with self._lock:
            return len(self.statements)

    def since(self, mark: int) -> list[Statement]:
        with self._lock:
            return list(self.statements[mark:])

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                conn_id = self.connections
            thread = threading.Thread(target=self._relay, args=(conn_id, client, server), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _relay(self, conn_id: int, client: socket.socket, server: socket.socket) -> None:
        parser = _FrontendParser()
        last_from_client = False
        burst = 0
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([client, server], [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        server.sendall(data)
                        with self._lock:
                            if not last_from_client:
                                self._bursts += 1
                                burst = self._bursts
                            for sql in parser.feed(data):
                                self.statements.append(Statement(conn_id, sql, burst))
                        last_from_client = True
                    else:
                        client.sendall(data)
                        last_from_client = False
        except OSError:
            return
        finally:
            client.close()
            server.close()


class _FrontendParser:
    """Just enough of the PostgreSQL v3 frontend protocol to name each executed statement."""

    def __init__(self) -> None:
        self.buffer = b""
        self.started = False
        self.prepared: dict[bytes, str] = {}
        self.portals: dict[bytes, str] = {}

    def feed(self, data: bytes) -> list[str]:
        self.buffer += data
        executed: list[str] = []
        while True:
            if not self.started:
                if len(self.buffer) < 8:
                    return executed
                (length,) = struct.unpack("!i", self.buffer[:4])
                if len(self.buffer) < length:
                    return executed
                (code,) = struct.unpack("!i", self.buffer[4:8])
                self.buffer = self.buffer[length:]
                if code not in (PgWireProxy.SSL_REQUEST, PgWireProxy.GSS_REQUEST):
                    self.started = True  # the StartupMessage
                continue
            if len(self.buffer) < 5:
                return executed
            kind = self.buffer[:1]
            (length,) = struct.unpack("!i", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return executed
            body = self.buffer[5 : 1 + length]
            self.buffer = self.buffer[1 + length :]
            if kind == b"Q":
                executed.append(body.rstrip(b"\0").decode("utf-8", "replace"))
            elif kind == b"P":
                name, rest = body.split(b"\0", 1)
                self.prepared[name] = rest.split(b"\0", 1)[0].decode("utf-8", "replace")
            elif kind == b"B":
                portal, rest = body.split(b"\0", 1)
                self.portals[portal] = self.prepared.get(rest.split(b"\0", 1)[0], "?")
            elif kind == b"E":
                executed.append(self.portals.get(body.split(b"\0", 1)[0], "?"))


class SqliteStatementLog:
    """Logs every statement run by any sqlite3 connection opened while it is installed."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self._original = sqlite3.connect
        self._connections = 0
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[SqliteStatementLog]:
        original = self._original

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = original(*args, **kwargs)
            with self._lock:
                self._connections += 1
                conn_id = self._connections

            def trace(sql: str) -> None:
                with self._lock:
                    # In-process: each statement is one call into SQLite, its own "round trip".
                    self.statements.append(Statement(conn_id, sql, len(self.statements)))

            conn.set_trace_callback(trace)
            return conn

        sqlite3.connect = connect  # type: ignore[assignment]
        try:
            yield self
        finally:
            sqlite3.connect = original  # type: ignore[assignment]

    def mark(self) -> int:
        with self._lock:
            return len(self.statements)

    def since(self, mark: int) -> list[Statement]:
        with self._lock:
            return list(self.statements[mark:])


def summarise_transactions(transactions: list[Transaction], registrations: int) -> list[tuple[Any, ...]]:
    """Per label: transactions, statements, round trips, commits, durable commits — per registration."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0] * 5)
    for tx in transactions:
        row = totals[tx.label]
        for i, value in enumerate((1, len(tx.statements), tx.round_trips, tx.commits, tx.durable_commits)):
            row[i] += value
    return sorted(
        ((label, *(v / registrations for v in values)) for label, values in totals.items()),
        key=lambda r: (-r[5], -r[3]),
    )


# ------------------------------------------------------------------------ wall-clock phases


class PhaseTimer:
    """Wraps callables on live objects; records inclusive time per call path (cheap, no profiler)."""

    def __init__(self) -> None:
        self.inclusive: dict[tuple[str, ...], float] = defaultdict(float)
        self.calls: dict[tuple[str, ...], int] = defaultdict(int)
        self._stack: list[str] = []
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        """Time `owner.attribute` (instance, class or module attribute) under `label`."""
        original = getattr(owner, attribute)
        had_own = attribute in getattr(owner, "__dict__", {})

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.span(label):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, original) if had_own else delattr(owner, attribute))

    @contextmanager
    def span(self, label: str) -> Iterator[None]:
        self._stack.append(label)
        path = tuple(self._stack)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.inclusive[path] += time.perf_counter() - start
            self.calls[path] += 1
            self._stack.pop()

    def unwrap_all(self) -> None:
        while self._undo:
            self._undo.pop()()

    def reset(self) -> None:
        self.inclusive.clear()
        self.calls.clear()

    def exclusive(self) -> dict[tuple[str, ...], float]:
        result = dict(self.inclusive)
        for path, spent in self.inclusive.items():
            if len(path) > 1 and path[:-1] in result:
                result[path[:-1]] -= spent
        return result
