#!/usr/bin/env python
"""Sealing the log's tail on every log-seal tick: checkpoints per day, sealing time, verify-log time.

A day at a steady rate (1 event/s by default) is simulated on two fresh stores holding the same
records, ticked every 300 s of a fake clock:
- A, before session 5: each tick seals only full stretches of 1,000 records (and the tail once a day),
- B, now: each tick seals everything new, the tail too (`LogCheckpoints.write_checkpoint(force=True)`).
Ticks of A and B alternate (their order too), then verify-log runs A, B, A, B. Records are stored
events inserted through the application's recorder (the verifier hashes bytes, it decodes nothing).

    .venv/bin/python benchmarks/log_seal.py                      # SQLite and PostgreSQL, one day
    .venv/bin/python benchmarks/log_seal.py --store sqlite --days 2
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import TempPostgres, load_line, machine_line, postgres_reachable, relais_settings  # noqa: E402

TICK_SECONDS = 300  # RELAIS_LOG_SEAL_SECONDS default (infrastructure/settings.py)


class Clock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


def run(store: str, days: float, rate: float) -> None:
    from eventsourcing.persistence import StoredEvent

    from infrastructure.bootstrap import bootstrap

    temp = Path(tempfile.mkdtemp(prefix="relais-log-seal-"))
    postgres = TempPostgres()
    services: dict[str, Any] = {}
    try:
        clock = Clock()
        for name in ("A", "B"):
            url = postgres.url(postgres.create(name.lower())) if store == "postgresql" else None
            services[name] = bootstrap(relais_settings(temp / name, url), clock=clock)
        seal = {"A": lambda: services["A"].audit.checkpoints.write_checkpoint(),
                "B": lambda: services["B"].audit.checkpoints.write_checkpoint(force=True)}
        timings: dict[str, list[float]] = {"A": [], "B": []}
        ticks = int(days * 86_400 / TICK_SECONDS)
        per_tick = int(rate * TICK_SECONDS)
        state = os.urandom(600)  # about a registration's stored size
        for tick in range(ticks):
            clock.current += timedelta(seconds=TICK_SECONDS)
            batch = [StoredEvent(originator_id=uuid.uuid4(), originator_version=1,
                                 topic="domain.candidate:Candidate.Registered", state=state)
                     for _ in range(per_tick)]
            for name in ("A", "B"):
                services[name].app.recorder.insert_events(batch)
            for name in (("A", "B") if tick % 2 == 0 else ("B", "A")):
                started = time.perf_counter()
                seal[name]()
                timings[name].append(time.perf_counter() - started)
        records = ticks * per_tick
        print(f"{store}: {days:g} day(s) at {rate:g} event/s = {records:,} records, {ticks} ticks of {TICK_SECONDS} s")
        verify: dict[str, list[float]] = {"A": [], "B": []}
        for _ in range(2):
            for name in ("A", "B"):
                started = time.perf_counter()
                report = services[name].audit.verify()
                verify[name].append(time.perf_counter() - started)
                assert report.ok and report.records == records, report
        for name, label in (("A", "full stretches + daily tail"), ("B", "tail sealed every tick")):
            audit = services[name].audit
            report = audit.verify()
            t = sorted(timings[name])
            print(f"  {name} ({label}): {audit.checkpoints.count()} checkpoints, {report.unanchored} records unsealed "
                  f"at the end; seal per tick median {1000 * statistics.median(t):.1f} ms, max {1000 * t[-1]:.1f} ms, "
                  f"total {sum(t):.2f} s; verify-log {' / '.join(f'{s:.3f} s' for s in verify[name])} "
                  f"({records / min(verify[name]):,.0f} records/s)")
        print(f"  {load_line()}")
    finally:
        for built in services.values():
            built.close()
        postgres.drop_all()
        shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=1.0, help="events per second")
    args = parser.parse_args()
    print(machine_line())
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    for store in stores:
        if store == "postgresql" and postgres_reachable() is not None:
            print(f"postgresql: skipped ({postgres_reachable()})")
            continue
        run(store, args.days, args.rate)


if __name__ == "__main__":
    main()
