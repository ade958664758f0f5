#!/usr/bin/env python
"""Time travel on one aggregate of 1,000 events, against a raw SELECT of its rows, in one run.

Issue 5's target: replaying one aggregate of 1,000 events for the time-travel view ≤ 20 ms.
The aggregate is an offer with ten matching rounds (a request, 80 suggestions with their AI
provenance, 19 decisions with a reason, some with free text encrypted per person): 1,001
events, of which the replay takes the first 1,000 (`repository.get(id, version=1000)`).

For SQLite (a temp file) and PostgreSQL (a temp database on 127.0.0.1:5432), in one run:

* raw     — `SELECT * FROM <events table> WHERE originator_id = ? ORDER BY originator_version`
            with the same driver, rows fetched, nothing decoded;
* replay  — the time travel's replay of version 1,000 (read, decode, decrypt, mutate:
            `application/audit/replay.py`, `replayed(app, id, 1000)`, which decodes of each event the
            fields its method reads), also cold (the people's keys and the ids kept in memory forgotten
            before each replay: the first page opened) and, for reference, the same replay of events
            made whole (`replay(None, stored_events(app, id, 1000))`, session 5's path), the library's
            repository (`repository.get(id, version=1000)`), the same with the replay as projector (the
            path of session 3), and the replay of whole events with the library's own JSON transcoder
            instead of the application's (application/orjson_transcoder.py);
* view    — replay plus the flattening the page shows (`TimelineQueries.state_at`);
* access  — what every auditor page adds: recording the view (one new `AuditAccess`) and the
            synchronous catch-up of the read models, as the web app runs it.

Medians of 15 repetitions after a warm-up, in wall-clock time and, for the replay, in this
thread's CPU time too (the machine is shared: the CPU time shows the cost without the waiting).

    .venv/bin/python benchmarks/history.py
"""
from __future__ import annotations

import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import TempPostgres, advisor, load_line, machine_line, postgres_reachable, relais_settings  # noqa: E402

REPETITIONS = 15
ROUNDS, SUGGESTIONS, DECISIONS = 10, 80, 19
REPLAYED = 1_000


def build_offer(services) -> object:
    """An offer of 1 + ROUNDS × (1 + SUGGESTIONS + DECISIONS) events, written through the domain."""
    from tests.integration.long_offer import long_offer

    return long_offer(services, advisor(), ROUNDS, SUGGESTIONS, DECISIONS)


def median_ms(operation, repetitions: int = REPETITIONS, clock=time.perf_counter) -> float:
    operation()  # warm-up
    samples = []
    for _ in range(repetitions):
        started = clock()
        operation()
        samples.append((clock() - started) * 1000)
    return statistics.median(samples)


def cpu_ms(operation) -> float:
    """This thread's CPU time: on a busy shared machine, what the work costs without the waiting
    (on SQLite all of it; on PostgreSQL the server's share is not counted)."""
    return median_ms(operation, clock=time.thread_time)


def raw_select(services, offer_id) -> callable:  # SQLite stores ids as hex, PostgreSQL as uuid
    table = services.app.recorder.events_table_name
    if services.database.dialect == "sqlite":
        connection = sqlite3.connect(services.database.path)

        def select() -> None:
            connection.execute(
                f"SELECT * FROM {table} WHERE originator_id = ? ORDER BY originator_version", (offer_id.hex,)
            ).fetchall()
        return select
    connection = psycopg.connect(services.database.url.conninfo(), autocommit=True)

    def select_pg() -> None:
        connection.execute(
            f"SELECT * FROM {table} WHERE originator_id = %s ORDER BY originator_version", (offer_id,)
        ).fetchall()
    return select_pg


def with_library_transcoder(services, operation) -> callable:
    """`operation` run with the library's JSON transcoder (same transcodings) in place of the application's."""
    from eventsourcing.persistence import JSONTranscoder

    ours = services.app.mapper.transcoder
    library = JSONTranscoder()
    for transcoding in ours.names.values():
        library.register(transcoding)

    def run() -> None:
        services.app.mapper.transcoder = library
        try:
            operation()
        finally:
            services.app.mapper.transcoder = ours
    return run


def measure(label: str, database_url: str | None, data_dir: Path) -> None:
    from application import orjson_transcoder
    from application.audit.replay import replay, replayed, stored_events
    from application.caller import Caller
    from infrastructure.bootstrap import bootstrap

    services = bootstrap(relais_settings(data_dir, database_url), synchronous_projections=False)
    try:
        offer_id = build_offer(services)
        app = services.app
        stored = len(list(app.repository.event_store.get(offer_id)))

        def time_travel() -> None:
            replayed(app, offer_id, REPLAYED)

        def cold_time_travel() -> None:  # as the first page opened: no key, no id kept in memory
            app.key_vault._cache.clear()
            orjson_transcoder._uuids.clear()
            replayed(app, offer_id, REPLAYED)

        def whole_events() -> None:
            replay(None, stored_events(app, offer_id, REPLAYED))

        raw = median_ms(raw_select(services, offer_id))
        library = median_ms(lambda: app.repository.get(offer_id, version=REPLAYED))
        previous = median_ms(lambda: app.repository.get(offer_id, version=REPLAYED, projector_func=replay))
        ours = median_ms(time_travel)
        view = median_ms(lambda: services.timelines.state_at(offer_id, REPLAYED))
        ours_cpu = cpu_ms(time_travel)
        cold, cold_cpu = median_ms(cold_time_travel), cpu_ms(cold_time_travel)
        whole, whole_cpu = median_ms(whole_events), cpu_ms(whole_events)
        with_library_json = with_library_transcoder(services, whole_events)
        library_json, library_json_cpu = median_ms(with_library_json), cpu_ms(with_library_json)
        auditor = Caller("bench-auditor", "auditor", "", "bench")

        def record_access() -> None:  # what every auditor page adds: one save, then the read models' catch-up
            app.record_audit_access("GET", f"/audit/historique/{offer_id}", str(offer_id), "version=3", auditor)
            services.projections.catch_up()

        services.projections.catch_up()
        access = median_ms(record_access, repetitions=50)
        print(f"{label:10} events stored {stored}, replayed {REPLAYED}")
        print(f"{'':10} raw SELECT of the rows   {raw:7.2f} ms")
        print(f"{'':10} library's repository.get {library:7.2f} ms   ({library / raw:.1f}× raw)")
        print(f"{'':10} get, replay as projector {previous:7.2f} ms   (session 3's path)")
        print(f"{'':10} time-travel replay       {ours:7.2f} ms   ({ours / raw:.1f}× raw, {ours / library:.2f}× the "
              f"library's)   target ≤ 20 ms: {'met' if ours <= 20 else 'NOT met'}")
        print(f"{'':10} replay, CPU time only    {ours_cpu:7.2f} ms   target ≤ 20 ms: "
              f"{'met' if ours_cpu <= 20 else 'NOT met'}")
        print(f"{'':10} replay, cold             {cold:7.2f} ms   ({cold_cpu:.2f} ms CPU; keys and ids forgotten "
              f"before each)   target ≤ 20 ms: {'met' if cold <= 20 else 'NOT met'}")
        print(f"{'':10} replay of events whole   {whole:7.2f} ms   ({whole_cpu:.2f} ms CPU; session 5's path)")
        print(f"{'':10} whole, with the library's JSON transcoder instead: {library_json:.2f} ms wall, "
              f"{library_json_cpu:.2f} ms CPU (ours: {whole / library_json:.2f}× wall, "
              f"{whole_cpu / library_json_cpu:.2f}× CPU)")
        print(f"{'':10} recording one page view  {access:7.2f} ms   (save + catch-up of every read model)")
        print(f"{'':10} time-travel view state   {view:7.2f} ms   ({view / raw:.1f}× raw)   target ≤ 20 ms: "
              f"{'met' if view <= 20 else 'NOT met'}")
    finally:
        services.close()


def main() -> None:
    print(machine_line())
    print(load_line())
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-history-"))
    postgres = TempPostgres()
    try:
        measure("SQLite", None, folder / "sqlite")
        reason = postgres_reachable()
        if reason is None:
            measure("PostgreSQL", postgres.url(postgres.create("history")), folder / "pg")
        else:
            print(f"PostgreSQL skipped: {reason}")
    finally:
        postgres.drop_all()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
