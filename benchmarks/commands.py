#!/usr/bin/env python
"""Relais' command rate against the raw single-row INSERT rate of the same database.

For SQLite (a temp file) and PostgreSQL (temp databases on 127.0.0.1:5432), in one run:

* raw      — a plain table shaped like the event store (originator_id, originator_version,
             topic, state = the bytes of a real registration event), one INSERT + COMMIT
             per row, same driver and durability as the app (WAL for SQLite, default
             synchronous settings);
* command  — `services.app.register_candidate(...)` on Services built by `bootstrap()`,
             with synchronous projections (the default, as the web app runs) and with
             `synchronous_projections=False` (event store + per-person key only).

Each figure is the median of 3 repetitions, each bounded by a number of operations and a
duration, after a warm-up; within a repetition the raw rate is measured in two halves, before
and after the command runs, so that machine noise hits both alike. Temp files and
databases are removed at the end, also on Ctrl-C or SIGTERM.

    .venv/bin/python benchmarks/commands.py            # full run (~1–2 min)
    .venv/bin/python benchmarks/commands.py --quick    # a few seconds per store
    .venv/bin/python benchmarks/commands.py --profile  # where a command's time goes

`--profile` does not measure rates: it counts the statements, transactions and round trips
of one registration (PostgreSQL through a counting relay on 127.0.0.1, SQLite through the
sqlite3 trace hook), times the phases of a registration, and prints a cProfile summary.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    Measure,
    PgWireProxy,
    PhaseTimer,
    PostgresRawInserter,
    Registrations,
    SqliteRawInserter,
    SqliteStatementLog,
    TempPostgres,
    advisor,
    group_transactions,
    load_line,
    machine_line,
    postgres_reachable,
    postgres_version,
    python_floor_ms,
    register_once,
    relais_settings,
    run_bounded,
    statement_category,
    summarise_transactions,
)

from infrastructure.bootstrap import Services, bootstrap  # noqa: E402

TARGETS = {"sqlite": 0.7, "postgresql": 0.5}
MODES = (("synchronous", True), ("deferred", False))
MODE_HELP = {
    "synchronous": "read models updated after each save (the web app)",
    "deferred": "synchronous_projections=False: event store + per-person key only",
}


@dataclass(frozen=True)
class Plan:
    max_ops: int
    max_seconds: float
    reps: int
    warmup: int
    profile_ops: int


FULL = Plan(max_ops=2000, max_seconds=5.0, reps=3, warmup=200, profile_ops=300)
QUICK = Plan(max_ops=300, max_seconds=1.0, reps=3, warmup=30, profile_ops=60)


@dataclass
class StoreResult:
    store: str
    state_bytes: int = 0
    raw: Measure = field(default_factory=Measure)
    commands: dict[str, Measure] = field(default_factory=dict)


class Workspace:
    """Temp folder and temp PostgreSQL databases of this run; `close()` removes them all."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="relais_bench_"))
        self.postgres = TempPostgres()
        self.services: list[Services] = []
        self.closers: list[Any] = []

    def store_url(self, store: str, name: str, proxy_port: int | None = None) -> tuple[Path, str | None]:
        """A data folder and database URL (None: the SQLite default under that folder)."""
        data_dir = self.folder / f"{store}-{name}"
        data_dir.mkdir()
        if store == "sqlite":
            return data_dir, None
        db = self.postgres.create(name)
        return data_dir, TempPostgres.url(db, proxy_port) if proxy_port else TempPostgres.url(db)

    def build(self, store: str, name: str, synchronous: bool, proxy_port: int | None = None) -> Services:
        data_dir, url = self.store_url(store, name, proxy_port)
        services = bootstrap(relais_settings(data_dir, url), synchronous_projections=synchronous)
        self.services.append(services)
        return services

    def close(self) -> None:
        # Services first: their pools may still be connected through a counting relay.
        for closable in [*self.services, *self.closers]:
            try:
                closable.close()
            except Exception as error:  # noqa: BLE001 - clean up as much as possible
                print(f"  (cleanup: {error})", file=sys.stderr)
        try:
            self.postgres.drop_all()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# ------------------------------------------------------------------------ rates


def first_event_state(services: Services) -> bytes:
    notifications = services.app.recorder.select_notifications(start=None, limit=1)
    return bytes(notifications[0].state)


def bench_store(store: str, plan: Plan, workspace: Workspace) -> StoreResult:
    result = StoreResult(store)
    caller = advisor()
    registrations = Registrations()
    commands: dict[str, Services] = {}
    for mode, synchronous in MODES:
        services = workspace.build(store, mode, synchronous)
        for _ in range(plan.warmup):
            register_once(services, registrations, caller)
        commands[mode] = services
        result.commands[mode] = Measure()

    state = first_event_state(commands["synchronous"])
    result.state_bytes = len(state)
    if store == "sqlite":
        raw: Any = SqliteRawInserter(workspace.folder / "raw.sqlite", state)
    else:
        raw = PostgresRawInserter(TempPostgres.conninfo(workspace.postgres.create("raw")), state)
    workspace.closers.append(raw)
    run_bounded(raw, plan.warmup, plan.max_seconds)

    for rep in range(1, plan.reps + 1):
        # The raw rate is taken in two halves around the command runs, so that a burst of
        # load from elsewhere weighs on the raw figure as it does on the command figures.
        raw_done, raw_seconds = run_bounded(raw, plan.max_ops // 2, plan.max_seconds / 2)
        line = []
        for mode, services in commands.items():
            done, seconds = run_bounded(
                lambda s=services: register_once(s, registrations, caller), plan.max_ops, plan.max_seconds
            )
            result.commands[mode].rates.append(done / seconds)
            result.commands[mode].ops.append(done)
            line.append(f"{mode} {done / seconds:,.0f}/s ({done} ops)")
        done, seconds = run_bounded(raw, plan.max_ops // 2, plan.max_seconds / 2)
        raw_done, raw_seconds = raw_done + done, raw_seconds + seconds
        result.raw.rates.append(raw_done / raw_seconds)
        result.raw.ops.append(raw_done)
        line.insert(0, f"raw {raw_done / raw_seconds:,.0f}/s ({raw_done} rows)")
        print(f"  {store} repetition {rep}/{plan.reps}: " + ", ".join(line), flush=True)
    return result


def print_table(results: list[StoreResult], plan: Plan) -> None:
    print()
    print(
        f"Median of {plan.reps} repetitions, each ≤ {plan.max_ops:,} operations or ≤ {plan.max_seconds:g} s, "
        f"after {plan.warmup} warm-up operations."
    )
    header = (
        f"{'store':<11} {'raw rows/s':>10}  {'projections':<12} {'commands/s':>10} {'ms/cmd':>7} "
        f"{'ratio':>6} {'target':>7}  {'result':<6}  {'spread (raw; cmd)'}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        target = TARGETS[result.store]
        for index, (mode, measure) in enumerate(result.commands.items()):
            ratio = measure.median / result.raw.median
            store = result.store if index == 0 else ""
            raw = f"{result.raw.median:,.0f}" if index == 0 else ""
            verdict = "met" if ratio >= target else "MISSED"
            print(
                f"{store:<11} {raw:>10}  {mode:<12} {measure.median:>10,.0f} {1000 / measure.median:>7.2f} "
                f"{ratio:>6.3f} {'≥ ' + format(target, '.1f'):>7}  {verdict:<6}  "
                f"{result.raw.spread()}; {measure.spread()}"
            )
    print()
    for mode, meaning in MODE_HELP.items():
        print(f"  {mode:<12} {meaning}")
    sizes = ", ".join(f"{r.store} {r.state_bytes} B" for r in results)
    print(f"  raw rows carry the stored state of a real registration event ({sizes}).")


# ------------------------------------------------------------------------ profile


def profile_store(store: str, plan: Plan, workspace: Workspace) -> None:
    caller = advisor()
    n = plan.profile_ops
    for mode, synchronous in MODES:
        print(f"\n=== {store}, {mode} projections: {n} registrations ===")
        registrations = Registrations()

        # 1. Statements, transactions and round trips.
        if store == "sqlite":
            log: Any = SqliteStatementLog()
            with log.installed():
                services = workspace.build(store, f"{mode}_trace", synchronous)
                for _ in range(20):
                    register_once(services, registrations, caller)
        else:
            log = PgWireProxy()
            workspace.closers.append(log)
            services = workspace.build(store, f"{mode}_trace", synchronous, proxy_port=log.port)
            for _ in range(20):
                register_once(services, registrations, caller)
        marks = []
        for _ in range(n):
            marks.append(log.mark())
            register_once(services, registrations, caller)
        statements = log.since(marks[0])
        summary = summarise_transactions(group_transactions(statements), n)
        unit = "round trips" if store == "postgresql" else "calls into SQLite"
        print(f"\nPer registration (mean of {n}), by transaction kind. trips: {unit}; durable: commits that")
        print("write, so flush the log to disk (the raw benchmark makes 1 per row, in 3 trips).")
        print(f"  {'transaction kind':<34} {'txns':>6} {'stmts':>6} {'trips':>6} {'commits':>7} {'durable':>7}")
        totals = [0.0] * 5
        for label, *values in summary:
            print(f"  {label:<34} " + " ".join(f"{v:>{w}.1f}" for v, w in zip(values, (6, 6, 6, 7, 7))))
            for i, value in enumerate(values):
                totals[i] += value
        print(f"  {'total':<34} " + " ".join(f"{v:>{w}.1f}" for v, w in zip(totals, (6, 6, 6, 7, 7))))
        last = log.since(marks[-1])
        print("\nTrace of the last registration (connection: statements; | separates round trips):")
        for tx in group_transactions(last):
            parts: list[str] = []
            previous = None
            for statement in tx.statements:
                text = " ".join(statement.sql.split())
                category = statement_category(statement.sql)
                short = text[:48] + ("…" if len(text) > 48 else "") if category.startswith("other") else category
                if previous is not None and statement.burst == previous:
                    parts[-1] += " + " + short
                else:
                    parts.append(short)
                previous = statement.burst
            print(f"  [c{tx.conn}] {tx.label}: " + " | ".join(parts))

        # 2. Wall-clock phases, without the relay or the profiler.
        services = workspace.build(store, f"{mode}_phases", synchronous)
        for _ in range(20):
            register_once(services, registrations, caller)
        timer = PhaseTimer()
        wire_phases(timer, services)
        timer.reset()
        start = time.perf_counter()
        for _ in range(n):
            services.app.register_candidate(registrations.details(), sms_consent=True, caller=caller)
        elapsed = time.perf_counter() - start
        timer.unwrap_all()
        print(f"\nWall-clock phases, ms per registration ({1000 * elapsed / n:.2f} ms each, timers on):")
        print(f"  {'phase (nested)':<58} {'incl.':>7} {'excl.':>7} {'calls':>6}")
        exclusive = timer.exclusive()
        for path in tree_order(timer.inclusive):
            label = "  " * (len(path) - 1) + path[-1]
            print(
                f"  {label:<58} {1000 * timer.inclusive[path] / n:>7.3f} {1000 * exclusive[path] / n:>7.3f} "
                f"{timer.calls[path] / n:>6.1f}"
            )

        # 3. cProfile: the functions that take the time.
        services = workspace.build(store, f"{mode}_cprofile", synchronous)
        for _ in range(20):
            register_once(services, registrations, caller)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            register_once(services, registrations, caller)
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("tottime").print_stats(14)
        print("\ncProfile, top functions by own time (all registrations):")
        for line in stream.getvalue().splitlines():
            if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced", "function calls")):
                print("  " + line.replace(str(Path(sys.prefix)) + "/lib/python3.11/site-packages/", "")[:150])


def tree_order(times: dict[tuple[str, ...], float]) -> list[tuple[str, ...]]:
    """Call paths depth first, the costliest child first."""
    ordered: list[tuple[str, ...]] = []

    def visit(parent: tuple[str, ...]) -> None:
        children = [p for p in times if len(p) == len(parent) + 1 and p[: len(parent)] == parent]
        for child in sorted(children, key=lambda p: -times[p]):
            ordered.append(child)
            visit(child)

    visit(())
    return ordered


def wire_phases(timer: PhaseTimer, services: Services) -> None:
    import application.candidates as candidates_module

    app = services.app
    timer.wrap(app, "register_candidate", "register_candidate")
    timer.wrap(candidates_module, "normalise_phone", "phone check (phonenumbers)")
    timer.wrap(app.phone_claims, "claim", "phone claim (INSERT … ON CONFLICT, docs/adr/0004)")
    timer.wrap(app, "_save_in_unit_of_work", "save")  # both `save` and a save joining the command's unit of work
    timer.wrap(app.mapper, "to_stored_event", "encode event (JSON + AES-GCM)")
    timer.wrap(app.mapper, "to_domain_event", "decode event (JSON + AES-GCM)")
    timer.wrap(app.key_vault, "key_for", "key_for (key SELECT, unwrap)")
    timer.wrap(app.key_vault, "_create", "key create (INSERT, in the command's transaction)")
    timer.wrap(app.recorder, "insert_events", "event insert (locked; pipelined on PostgreSQL)")
    timer.wrap(app.recorder, "select_notifications", "select_notifications")
    if app.after_save is not None:
        timer.wrap(app, "after_save", "read models (12 projections)")
    timer.wrap(services.projections, "_apply_next_batch", "projection batch")


# ------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (≤ 300 operations or 1 s per measurement)")
    parser.add_argument(
        "--stores", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql (default: both)"
    )
    parser.add_argument("--profile", action="store_true", help="count round trips and profile instead of timing")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = set(stores) - set(TARGETS)
    if unknown:
        parser.error(f"unknown store(s): {', '.join(sorted(unknown))}")

    # A `kill` must still clean up the temp databases: turn SIGTERM into SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if "postgresql" in stores:
        reason = postgres_reachable()
        if reason:
            print(f"PostgreSQL on 127.0.0.1:5432 unreachable, skipped: {reason}", file=sys.stderr)
            stores.remove("postgresql")
    versions = machine_line() + (f", {postgres_version()}" if "postgresql" in stores else "")
    print(f"Relais command benchmark — {datetime.now():%Y-%m-%d %H:%M} — {versions}")
    print(f"At start: {load_line()}", flush=True)

    workspace = Workspace()
    results: list[StoreResult] = []
    try:
        if args.profile:
            floor = python_floor_ms(plan.profile_ops * 5)
            print(
                f"\nPython work of one registration without any I/O (in-memory event store and keys): "
                f"{floor:.3f} ms — no command can be faster than this on one thread."
            )
        for store in stores:
            if args.profile:
                profile_store(store, plan, workspace)
            else:
                results.append(bench_store(store, plan, workspace))
    finally:
        workspace.close()
    if results:
        print_table(results, plan)
        print(f"At end: {load_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
