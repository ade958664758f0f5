#!/usr/bin/env python
"""SQLite's floor: the raw row and a registration, each with and without the fsync of its commit.

A measurement only (docs/adr/0020, amendment of session 5): `PRAGMA synchronous=OFF` is set here
on throwaway files so that the difference with the default level (FULL in WAL mode, as the app
and `commands.py` run) isolates the fsync; the product never turns it off. For each case the wall
time and the process's CPU time (`time.process_time()`: Python, SQLite and the kernel's work for
this process, not waits) per operation, medians of the rounds; the cases alternate within each
round so that a burst of load from elsewhere weighs on all of them.

    .venv/bin/python benchmarks/sqlite_floor.py              # 5 rounds of 400 operations per case
    .venv/bin/python benchmarks/sqlite_floor.py --ops 200 --rounds 3
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import Registrations, SqliteRawInserter, advisor, load_line, relais_settings  # noqa: E402

from infrastructure.bootstrap import Services, bootstrap  # noqa: E402

LEVELS = (("FULL", False), ("OFF", True))


def timed(operation: Callable[[], object], count: int) -> tuple[float, float]:
    """(wall ms, CPU ms) per operation."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        operation()
    return 1000 * (time.perf_counter() - wall) / count, 1000 * (time.process_time() - cpu) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=400, help="operations per case and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"At start: {load_line()}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="relais_floor_"))
    registrations, caller = Registrations(), advisor()
    services: list[Services] = []
    raws: list[SqliteRawInserter] = []
    try:
        cases: dict[tuple[str, str], Callable[[], object]] = {}
        for level, off in LEVELS:
            for mode, synchronous in (("synchronous", True), ("deferred", False)):
                data = folder / f"{mode}-{level}"
                data.mkdir()
                built = bootstrap(relais_settings(data, None), synchronous_projections=synchronous)
                services.append(built)
                if off:
                    built.database.connection().execute("PRAGMA synchronous=OFF")  # this process's thread only

                def register(app=built.app) -> None:
                    app.register_candidate(registrations.details(), sms_consent=True, caller=caller)

                for _ in range(50):
                    register()
                cases[(f"command, {mode}", level)] = register
        state = bytes(services[0].app.recorder.select_notifications(start=None, limit=1)[0].state)
        for level, off in LEVELS:
            raw = SqliteRawInserter(folder / f"raw-{level}.sqlite", state)
            raws.append(raw)
            if off:
                raw.conn.execute("PRAGMA synchronous=OFF")
            for _ in range(50):
                raw()
            cases[("raw row", level)] = raw
        results: dict[tuple[str, str], list[tuple[float, float]]] = {case: [] for case in cases}
        for _ in range(args.rounds):
            for case, operation in cases.items():
                results[case].append(timed(operation, args.ops))
        print(f"\nms per operation, medians of {args.rounds} rounds of {args.ops} (wall; CPU):")
        print(f"  {'case':<24} {'synchronous=FULL':>20} {'synchronous=OFF':>20} {'fsync (wall FULL-OFF)':>22}")
        for what in dict.fromkeys(case for case, _ in cases):
            cells, walls = [], []
            for level, _ in LEVELS:
                wall = statistics.median(w for w, _ in results[(what, level)])
                cpu = statistics.median(c for _, c in results[(what, level)])
                walls.append(wall)
                cells.append(f"{wall:7.3f}; {cpu:6.3f}")
            print(f"  {what:<24} {cells[0]:>20} {cells[1]:>20} {walls[0] - walls[1]:>22.3f}")
        print(f"\nAt end: {load_line()}")
    finally:
        for closable in [*services, *raws]:
            closable.close()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
