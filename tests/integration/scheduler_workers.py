"""A scheduler process for the leadership tests (multiprocessing 'spawn'): it counts its ticks in PostgreSQL."""
from __future__ import annotations

import os
import time

import psycopg

from infrastructure.database_url import DatabaseUrl
from infrastructure.leadership import PostgresLeadership
from infrastructure.scheduler import LeaderScheduler, ScheduledJob

RUNS_TABLE = "CREATE TABLE IF NOT EXISTS it_scheduler_runs (pid INTEGER NOT NULL, at TIMESTAMPTZ NOT NULL)"


def runs(url: str) -> list[tuple[int, float]]:
    """(pid, epoch seconds) of every counted tick, in order."""
    with psycopg.connect(DatabaseUrl.parse(url).conninfo()) as connection:
        rows = connection.execute("SELECT pid, extract(epoch FROM at) FROM it_scheduler_runs ORDER BY at").fetchall()
    return [(int(pid), float(at)) for pid, at in rows]


def run_scheduler(url: str, tick: float, election: float) -> None:
    """Run a scheduler whose only job records (pid, now); until killed."""
    conninfo = DatabaseUrl.parse(url).conninfo()

    def count() -> None:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute("INSERT INTO it_scheduler_runs (pid, at) VALUES (%s, clock_timestamp())", (os.getpid(),))

    scheduler = LeaderScheduler([ScheduledJob("count", tick, count)],
                                PostgresLeadership(DatabaseUrl.parse(url), election), election)
    scheduler.start()
    while True:
        time.sleep(1)


def hold_file_lock(path: str) -> None:
    """Take the SQLite installation's scheduler lock and keep it until killed."""
    from pathlib import Path

    from infrastructure.leadership import FileLeadership

    assert FileLeadership(Path(path)).try_acquire()
    while True:
        time.sleep(1)
