#!/usr/bin/env python
"""What finding the auditors' searches that name a person adds to an erasure (docs/adr/0015), in one run.

Erasing a person reads every recorded search whose day key still exists (`rm_audit_searches` joined
with `personal_keys`), decrypts it and matches it against the person's name, phone and id. The worst
case is a person no search names: every search of the retention window is read. For SQLite (a temp
file) and PostgreSQL (a temp database on 127.0.0.1:5432), in one run:

* erase, no search  — `erase_candidate` before any search is recorded (median of REPEATS people);
* erase, N searches — the same after N searches (AUDITORS auditors × DAYS days × PER_DAY), none naming
                      the people erased (median of REPEATS people).

* retention, R people — one run of the retention job that erases RETAINED people inactive for 24
                      months, with the same N searches recorded (none naming them).

It prints both, their ratio, and the cost per search read. No target is set by the issue: the figure
says how the erasure grows with the window (RELAIS_AUDIT_SEARCH_RETENTION_MONTHS), and how a
retention run grows with the people it erases.

    .venv/bin/python benchmarks/erasure_searches.py
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import TempPostgres, advisor, load_line, machine_line, postgres_reachable, relais_settings  # noqa: E402

AUDITORS, DAYS, PER_DAY = 5, 100, 2
REPEATS = 5
RETAINED = 20


class SettableClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 1, 5, 9, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


def erase_ms(services, people: list) -> float:
    from application.caller import Caller
    from application.values import Reason

    dpo = Caller("bench-dpo", "compliance", "", "bench")
    samples = []
    for person in people:
        started = time.perf_counter()
        services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", dpo)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def register(services, count: int, start: int) -> list:
    from application.candidates import CandidateDetails

    return [
        services.app.register_candidate(
            CandidateDetails("Zoé", f"Personne{start + n}", f"06{start + n:08d}", "Lyon", ("K2204",), (),
                             datetime(2026, 12, 1).date(), 10), True, advisor())
        for n in range(count)
    ]


def measure(label: str, database_url: str | None, data_dir: Path) -> None:
    from application.caller import Caller
    from infrastructure.bootstrap import bootstrap

    clock = SettableClock()
    services = bootstrap(relais_settings(data_dir, database_url), clock=clock)
    try:
        started = clock.current
        dormant = register(services, RETAINED, 1000)  # inactive from now on: the retention run erases them
        people = register(services, 2 * REPEATS, 0)
        baseline = erase_ms(services, people[:REPEATS])
        for day in range(DAYS):
            clock.current += timedelta(days=1)
            for auditor in range(AUDITORS):
                caller = Caller(f"bench-auditor-{auditor}", "auditor", "", "bench")
                for n in range(PER_DAY):
                    services.app.record_audit_access("GET", "/audit/historique", "", f"person=durand{day}x{n}", caller)
        searches = AUDITORS * DAYS * PER_DAY
        with_searches = erase_ms(services, people[REPEATS:])
        per_search = (with_searches - baseline) / searches * 1000
        print(f"{label:10} erase, no search        {baseline:8.1f} ms")
        print(f"{'':10} erase, {searches} searches {with_searches:8.1f} ms   ({with_searches / baseline:.1f}× no search; "
              f"{per_search:.0f} µs per search read)")
        from application.retention import RetentionJob

        clock.current = started + timedelta(days=25 * 31)
        job = RetentionJob(services.app, services.database, 24, services.projections.catch_up)
        began = time.perf_counter()
        report = job()
        run_ms = (time.perf_counter() - began) * 1000
        assert report.erased == len(dormant), report
        print(f"{'':10} retention run erasing {len(dormant)} people, {searches} searches {run_ms:8.0f} ms "
              f"({run_ms / len(dormant):.1f} ms per person)")
    finally:
        services.close()


def main() -> None:
    print(machine_line())
    print(load_line())
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-erasure-"))
    postgres = TempPostgres()
    try:
        measure("SQLite", None, folder / "sqlite")
        reason = postgres_reachable()
        if reason is None:
            measure("PostgreSQL", postgres.url(postgres.create("erasure")), folder / "pg")
        else:
            print(f"PostgreSQL skipped: {reason}")
        print(load_line())
    finally:
        postgres.drop_all()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
