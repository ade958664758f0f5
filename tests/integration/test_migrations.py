"""Two processes starting at once on a fresh database both end up on the same, complete
schema (PostgreSQL: the advisory lock; SQLite: the write lock)."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.migrations import migration_files
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from tests.integration.helpers import advisor, details
from tests.integration.workers import migrate_at_barrier


@pytest.mark.parametrize("attempt", range(2))
def test_two_processes_migrating_a_fresh_database_at_once_both_succeed(
    store: str | None, tmp_path: Path, fast_passwords: Argon2PasswordHasher, attempt: int
) -> None:
    env = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", **({"RELAIS_DATABASE_URL": store} if store else {})}
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=migrate_at_barrier, args=(env, barrier, results)) for _ in range(2)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=90) for _ in processes]
    for process in processes:
        process.join(30)
    assert outcomes == ["ok", "ok"], "\n".join(outcomes)
    assert [p.exitcode for p in processes] == [0, 0]

    services = bootstrap(Settings.from_env(env), passwords=fast_passwords, run_migrations=False)
    try:
        with services.database.read() as tx:
            names = [row["name"] for row in tx.fetchall("SELECT name FROM schema_migrations ORDER BY name")]
        assert names == ["0000_event_store", *(name for name, _ in migration_files())]
        candidate_id = services.app.register_candidate(details(), sms_consent=True, caller=advisor())
        assert services.candidates.get(advisor(), candidate_id).last_name == "Martin"
    finally:
        services.close()
