#!/usr/bin/env python
"""Outreach by SMS: launching an outreach, and a tick of the scheduler, against raw limits.

1. Launch (PostgreSQL): `approve_outreach` to 1,000 people records 1,002 events in one save
   (Created, Approved, one FollowUpScheduled each). Reported as SMS events per second of
   command time, beside a raw batched INSERT (executemany, one transaction) of the very same
   rows (topic and state bytes) into a table shaped like the event store. Target: >= 10,000/s.
2. Tick (SQLite and PostgreSQL, simulator gateway): 10,000 pending follow-ups (ten outreaches
   of 1,000 people) of which 1,000 are due. Target: <= 1 s. Projections are deferred, as in a
   scheduler process (a separate runner keeps the read models current).

    .venv/bin/python benchmarks/outreach.py            # ~1-2 min
    .venv/bin/python benchmarks/outreach.py --people 200 --outreaches 3   # quick
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from _common import (  # noqa: E402
    Registrations,
    TempPostgres,
    advisor,
    load_line,
    machine_line,
    postgres_reachable,
    postgres_version,
    relais_settings,
)

from application.outreach import OutreachDraft  # noqa: E402
from application.values import OfferTerms  # noqa: E402
from domain.candidate import Candidate  # noqa: E402
from infrastructure.bootstrap import Services, bootstrap  # noqa: E402
from infrastructure.passwords import Argon2PasswordHasher  # noqa: E402

TEXT = "Offre : agent de propreté à Lyon, CDI. Répondez OUI ou NON. Messages automatiques ; STOP pour arrêter."
TERMS = OfferTerms("Agent de propreté", "K2204", ("nettoyage de locaux",), "Lyon", "CDI", 35, 22_000, 24_000)
#: Monday 30 November 2026, 09:00 UTC (10:00 in Paris): inside the allowed hours.
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class BenchClock:
    def __init__(self) -> None:
        self.current = START

    def now(self) -> datetime:
        return self.current


def register_people(services: Services, how_many: int, workload: Registrations) -> list[Any]:
    """Setup, not measured: people saved many per save (fast), then the read models caught up."""
    caller = advisor()
    ids = []
    for start in range(0, how_many, 500):
        batch = []
        for _ in range(min(500, how_many - start)):
            from uuid import uuid4

            candidate_id = uuid4()
            profile = workload.details().to_profile(candidate_id, services.gazetteer)
            batch.append(Candidate.register(caller.agency_id, profile, True, caller.provenance,
                                            services.clock.now(), id=candidate_id))
        services.app.save(*batch)
        ids.extend(c.id for c in batch)
    services.projections.catch_up()
    return ids


def build(data_dir: Path, url: str | None, clock: BenchClock) -> Services:
    return bootstrap(relais_settings(data_dir, url), clock=clock, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64),
                     synchronous_projections=False)


def launch(pg: TempPostgres, people: int, repeats: int) -> None:
    print(f"\n1. Launching an outreach to {people} people (PostgreSQL)")
    command_rates, raw_rates = [], []
    for repeat in range(repeats):
        name = pg.create(f"launch{repeat}")
        data_dir = Path(tempfile.mkdtemp(prefix="relais-bench-"))
        clock = BenchClock()
        services = build(data_dir, pg.url(name), clock)
        try:
            ids = register_people(services, people, Registrations(20_000_000))
            offer_id = services.app.publish_offer(TERMS, advisor())
            services.projections.catch_up()
            head = services.app.recorder.max_notification_id() or 0
            started = time.perf_counter()
            outreach_id = services.app.approve_outreach(OutreachDraft(offer_id, tuple(ids), TEXT), advisor())
            seconds = time.perf_counter() - started
            rows = services.app.recorder.select_notifications(start=head, limit=people + 10, inclusive_of_start=False)
            assert all(r.originator_id == outreach_id for r in rows)
            command_rates.append(len(rows) / seconds)
            raw_rates.append(raw_batched_insert(pg.conninfo(name), rows))
        finally:
            services.close()
            shutil.rmtree(data_dir, ignore_errors=True)
    command, raw = statistics.median(command_rates), statistics.median(raw_rates)
    print(f"   events per launch      : {people + 2}")
    print(f"   command (approve)      : {command:>10,.0f} SMS events/s  (median of {repeats}: "
          f"{', '.join(f'{r:,.0f}' for r in command_rates)})")
    print(f"   raw batched INSERT     : {raw:>10,.0f} rows/s          (same rows, one executemany + COMMIT)")
    print(f"   ratio command / raw    : {command / raw:.2f}   target: command >= 10,000/s -> "
          f"{'met' if command >= 10_000 else 'NOT met'}")


def raw_batched_insert(conninfo: str, rows: list[Any]) -> float:
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                     "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
        conn.execute("CREATE UNIQUE INDEX raw_events_nid ON raw_events (notification_id)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO raw_events (originator_id, originator_version, topic, state) "
                               "VALUES (%s, %s, %s, %s)",
                               [(r.originator_id, r.originator_version, r.topic, r.state) for r in rows])
        conn.commit()
        return len(rows) / (time.perf_counter() - started)


def tick(store: str, url: str | None, people: int, outreaches: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    clock = BenchClock()
    services = build(data_dir, url, clock)
    try:
        ids = register_people(services, people * outreaches, Registrations(30_000_000))
        offer_id = services.app.publish_offer(TERMS, advisor())
        services.projections.catch_up()
        for n in range(outreaches):
            # The first outreach is due now; the others later today.
            clock.current = START + timedelta(hours=0 if n == 0 else 2)
            group = tuple(ids[n * people:(n + 1) * people])
            services.app.approve_outreach(OutreachDraft(offer_id, group, TEXT), advisor())
        services.projections.catch_up()
        clock.current = START + timedelta(minutes=1)
        with services.database.read() as tx:
            pending = tx.fetchone("SELECT COUNT(*) AS n FROM rm_outreach_due")["n"]
        started = time.perf_counter()
        report = services.app.run_outreach_tick()
        seconds = time.perf_counter() - started
        assert report.sent == people, report
        print(f"   {store:<10}: {pending:,} pending, {report.due:,} due, {report.sent:,} sent in {seconds:.2f} s "
              f"-> target <= 1 s {'met' if seconds <= 1 else 'NOT met'}")
    finally:
        services.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--outreaches", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("Outreach benchmark —", machine_line())
    print(load_line())
    problem = postgres_reachable()
    pg = TempPostgres()
    try:
        if problem is None:
            print(postgres_version())
            launch(pg, args.people, args.repeats)
        else:
            print("PostgreSQL unreachable:", problem)
        print(f"\n2. A tick: {args.people * args.outreaches:,} pending follow-ups, {args.people:,} due (simulator)")
        tick("sqlite", None, args.people, args.outreaches)
        if problem is None:
            tick("postgresql", pg.url(pg.create("tick")), args.people, args.outreaches)
    finally:
        pg.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
