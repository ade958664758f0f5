"""Several writer processes and several projection runners at once: no projection ever
skips an event, and none applies one twice (DESIGN.md §4, NOTES.md "four traps")."""
from __future__ import annotations

import base64
import multiprocessing
import threading
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from domain.account import Account
from infrastructure.bootstrap import bootstrap, projections
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from tests.integration.helpers import admin, advisor, domain_events, max_id, table_rows, terms
from tests.integration.workers import applied_counts, catcher, counted_runner, create_applied_table, writer

WRITERS = 4
CATCHERS = 2
PER_WRITER = 60
ROUNDS = 3
#: All processes share this master key, as the web workers of one installation would.
SECRET_KEY = base64.b64encode(bytes(range(32))).decode()


class Child:
    def __init__(self, target: Any, *args: Any) -> None:
        self.conn, child_end = multiprocessing.get_context("spawn").Pipe()
        self.process: BaseProcess = multiprocessing.get_context("spawn").Process(target=target, args=(child_end, *args))
        self.process.start()

    def send(self, *message: Any) -> None:
        self.conn.send(message)

    def receive(self, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while not self.conn.poll(0.1):
            assert self.process.is_alive(), f"child died with exit code {self.process.exitcode}"
            assert time.monotonic() < deadline, "child did not answer in time"
        answer = self.conn.recv()
        assert not (isinstance(answer, tuple) and answer[:1] == ("error",)), answer[1]
        return answer

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(("stop",))
            except OSError:
                pass
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def test_concurrent_writers_and_runners_never_skip_or_repeat_an_event(
    store: str | None, tmp_path: Path, fast_passwords: Argon2PasswordHasher
) -> None:
    env = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", "RELAIS_SECRET_KEY": SECRET_KEY}
    if store:
        env["RELAIS_DATABASE_URL"] = store
    # Migrate once, as `relais migrate` would before the workers start.
    services = bootstrap(Settings.from_env(env), passwords=fast_passwords, synchronous_projections=False)
    children: list[Child] = []
    try:
        create_applied_table(services.database)
        writers = [Child(writer, env, n) for n in range(1, WRITERS + 1)]
        catchers = [Child(catcher, env) for _ in range(CATCHERS)]
        children = writers + catchers
        for child in children:
            assert child.receive() == "ready"

        registered: list[str] = []
        applied_while_writing = 0
        for round_no in range(ROUNDS):
            for child in catchers:
                child.send("catch")
            for child in writers:
                child.send("write", round_no, PER_WRITER)
            for child in writers:
                registered += child.receive()
            for child in catchers:
                child.conn.send("enough")
            applied_while_writing += sum(child.receive() for child in catchers)

            # After a final catch-up, every job seeker is there, once, and nothing is left behind.
            counted_runner(services).catch_up()
            assert len(registered) == len(set(registered)) == (round_no + 1) * WRITERS * PER_WRITER
            rows = table_rows(services, "rm_candidates")
            assert sorted(row["id"] for row in rows) == sorted(registered)
            assert services.projections.positions() == dict.fromkeys((p.name for p in projections()),
                                                                      max_id(services))
        # Each event applied exactly once by each projection, whichever process applied it.
        events = domain_events(services)
        assert len(events) == len(registered)
        applied = applied_counts(services.database)
        expected = {(p, f"{e.originator_id}:{e.originator_version}"): 1 for e in events
                    for p in (p.name for p in projections())}
        assert applied == expected
        # The runners really ran while the writers wrote (else this test proves nothing): they
        # applied at least half of the events before the final catch-up.
        assert applied_while_writing >= len(registered) // 2, applied_while_writing
    finally:
        for child in children:
            child.stop()
        services.close()


@pytest.mark.postgres
def test_an_event_given_a_lower_id_never_commits_after_one_with_a_higher_id_is_read(
    postgres_url: str, tmp_path: Path, fast_passwords: Argon2PasswordHasher
) -> None:
    """The exact interleaving by which a projection would skip an event, made deterministic.

    A blocker transaction holds an uncommitted row with the key writer A will use, so A
    stalls inside its insert; meanwhile writer B saves another event and a projection
    catches up. The runner only ever moves forward, so B must not become visible before
    A: with the library's locked insert both wait for the table lock. (With
    POSTGRES_ENABLE_DB_FUNCTIONS=y, A would hold id N, B commit N+1, the catch-up move
    past N, and A's event would never reach the read model.)
    """
    env = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", "RELAIS_DATABASE_URL": postgres_url}
    services = bootstrap(Settings.from_env(env), passwords=fast_passwords, synchronous_projections=False)
    racer_id = Account.create_id("racer")
    outcomes: dict[str, object] = {}

    def run(name: str, command: Any) -> threading.Thread:
        def target() -> None:
            try:
                outcomes[name] = command()
            except Exception as error:  # reported by the assertions below
                outcomes[name] = error

        thread = threading.Thread(target=target, name=name)
        thread.start()
        return thread

    try:
        services.app.publish_offer(terms(title="Avant"), advisor())
        services.projections.catch_up()
        with psycopg.connect(services.settings.database.conninfo()) as blocker:
            table = services.app.recorder.events_table_name  # type: ignore[attr-defined]
            blocker.execute(
                f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, 1, 'x', '')",
                (racer_id,),
            )  # left uncommitted: psycopg opened a transaction
            conninfo = services.settings.database.conninfo()
            writer_a = run("A", lambda: services.app.open_account("racer", "auditor", "", "un mot de passe long", admin()))
            _wait_until(lambda: _waiting_on_locks(conninfo) == 1, "A stuck in its insert")
            writer_b = run("B", lambda: services.app.publish_offer(terms(title="Pendant"), advisor()))
            _wait_until(lambda: _waiting_on_locks(conninfo) == 2 or not writer_b.is_alive(), "B waiting or done")
            services.projections.catch_up()  # while A is stuck in the middle of its insert
            blocker.rollback()
        writer_a.join(15)
        writer_b.join(15)
        assert outcomes.get("A") == racer_id and isinstance(outcomes.get("B"), UUID), outcomes

        services.projections.catch_up()
        assert services.accounts.by_id(str(racer_id)) is not None, "the projection skipped A's event for good"
        assert {row["title"] for row in table_rows(services, "rm_offers")} == {"Avant", "Pendant"}
        assert set(services.projections.positions().values()) == {max_id(services)}
    finally:
        services.close()


def _wait_until(condition: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.02)


def _waiting_on_locks(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as connection:
        row = connection.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0
