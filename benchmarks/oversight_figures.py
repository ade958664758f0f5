"""The auditors' oversight figures on 100,000 suggestions, against one bare scan of the same table.

Fills the figures read model (`rm_fig_*`) directly with N suggestions (20 per request, 80 %
decided, half of those accepted, a manual addition every fifth request, pool counts for four
dimensions; 80 % of the shortlisted contacted by SMS, 60 % of those answering, each answer read
by the AI, 15 % with low confidence, some corrected), on SQLite and, when it answers, PostgreSQL; then times all the page's figures
(`OversightFigureQueries.figures`), unfiltered and filtered (one agency, one quarter), against
the raw limit measured in the same run: one `SELECT COUNT(*), SUM(list_length)` over the
suggestions (a column in no index: one full read of the table). Prints each time and the
ratio raw / figures (target ≥ 0.04: all the figures together cost at most 25 bare scans of
the suggestions, so they grow with the read model, never with a replay of the log).

    .venv/bin/python benchmarks/oversight_figures.py [--suggestions 100000]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import TempPostgres, load_line, machine_line, postgres_reachable, relais_settings  # noqa: E402

TARGET = 0.04
START = datetime(2026, 1, 1, tzinfo=UTC)
AGENCIES = ("lyon-est", "paris-nord", "lille-metropole")
MODELS = ("offline-bm25/1", "mistral-small-latest")
CATEGORIES = {
    "age_band": ("<26", "26-44", "45-54", "55+", ""), "sex": ("F", "M", ""), "priority_area": ("yes", "no", ""),
    # INSEE codes since session 5 (docs/adr/0005): Lyon, Villeurbanne, Bron, Vénissieux, Vaulx-en-Velin, Saint-Priest.
    "commune": ("69123", "69266", "69029", "69259", "69256", "69290"),
}


def fill(database: object, suggestions: int) -> None:
    rng = random.Random(5)
    requests, pool, rows, selections, readings = [], [], [], [], []
    for r in range(suggestions // 20):
        request_id = f"r{r:07d}"
        agency, model = AGENCIES[r % 3], MODELS[r % 2]
        advisor = f"advisor-{r % 10}"
        at = START + timedelta(minutes=r * 525_600 // (suggestions // 20))
        requests.append((request_id, f"o{r // 3}", agency, advisor, at.isoformat(), model, 20, 200))
        for dimension, categories in CATEGORIES.items():
            for category in categories:
                pool.append((request_id, dimension, category, rng.randint(0, 60), agency, advisor, model,
                             at.isoformat()))
        for s in range(20):
            decided = rng.random() < 0.8
            ms = int(rng.lognormvariate(9, 2)) if decided else None
            decision = ("accepted" if rng.random() < 0.5 else "rejected") if decided else ""
            decided_at = (at + timedelta(milliseconds=ms)).isoformat() if decided else ""
            rows.append((f"{request_id}s{s:02d}", request_id, agency, model, advisor, at.isoformat(), decision,
                         advisor if decided else "", decided_at, ms, 20))
            if decision == "accepted" or (s == 0 and r % 5 == 0):
                selections.append((f"{request_id}:{s}", "shortlisted", "accepted" if decision == "accepted" else "manual",
                                   f"o{r // 3}", f"c{rng.randint(0, 20_000)}", request_id, agency, advisor, model,
                                   decided_at or at.isoformat(), *(rng.choice(CATEGORIES[d]) for d in CATEGORIES)))
                contacted_at = at + timedelta(days=1)
                if rng.random() < 0.8:
                    selections.append((f"{request_id}:{s}:sms", "contacted", "sms", f"o{r // 3}", selections[-1][4],
                                       request_id, agency, advisor, model, contacted_at.isoformat(),
                                       *selections[-1][10:]))
                    if rng.random() < 0.6:
                        low = rng.random() < 0.15
                        corrected = int(rng.random() < (0.4 if low else 0.1))
                        readings.append((f"{request_id}:{s}:read", f"out-{r}", agency, advisor, MODELS[s % 2], int(low),
                                         (contacted_at + timedelta(hours=2)).isoformat(), "interested", "", corrected,
                                         corrected, advisor if corrected else "", ""))
    with database.transaction() as tx:  # type: ignore[attr-defined]
        tx.executemany("INSERT INTO rm_fig_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?)", requests)
        tx.executemany("INSERT INTO rm_fig_pool VALUES (?, ?, ?, ?, ?, ?, ?, ?)", pool)
        tx.executemany("INSERT INTO rm_fig_suggestions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        tx.executemany("INSERT INTO rm_fig_selections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", selections)
        tx.executemany("INSERT INTO rm_fig_readings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", readings)
    if getattr(database, "dialect", "") == "postgresql":
        with database.transaction() as tx:  # type: ignore[attr-defined]
            for table in ("rm_fig_requests", "rm_fig_pool", "rm_fig_suggestions", "rm_fig_selections", "rm_fig_readings"):
                tx.execute(f"ANALYZE {table}")


def best_of(op: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        op()
        times.append(time.perf_counter() - started)
    return min(times)


def run(label: str, database_url: str | None, suggestions: int) -> bool:
    from application.caller import Caller
    from application.queries.oversight_figures import FigureFilter, FigureSettings, OversightFigureQueries
    from infrastructure.bootstrap import bootstrap

    with tempfile.TemporaryDirectory() as folder:
        services = bootstrap(relais_settings(Path(folder), database_url))
        try:
            fill(services.database, suggestions)
            queries = OversightFigureQueries(services.database)
            auditor = Caller("auditor", "auditor", "", "bench")

            def raw() -> None:
                with services.database.read() as tx:
                    # list_length is in no index: the database reads every row of the table once.
                    tx.fetchone("SELECT COUNT(*) AS n, SUM(list_length) AS total FROM rm_fig_suggestions")

            raw_s = best_of(raw)
            ok = True
            quarter = FigureFilter(agency_id="lyon-est", since="2026-04-01T00:00:00+00:00",
                                   until="2026-07-01T00:00:00+00:00")
            for name, f in (("all", FigureFilter()), ("one agency, one quarter", quarter)):
                figures_s = best_of(lambda f=f: queries.figures(auditor, f, FigureSettings()))
                ratio = raw_s / figures_s
                ok &= ratio >= TARGET
                print(f"{label:<10} {name:<24} figures {figures_s * 1000:7.1f} ms   raw scan {raw_s * 1000:6.1f} ms   "
                      f"ratio {ratio:.3f} (target ≥ {TARGET})  {'ok' if ratio >= TARGET else 'BELOW TARGET'}")
            figures = queries.figures(auditor, FigureFilter(), FigureSettings())
            assert figures.decisions.produced == suggestions // 20 * 20
            return ok
        finally:
            services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suggestions", type=int, default=100_000)
    args = parser.parse_args()
    print(machine_line())
    print(load_line())
    print(f"{args.suggestions} suggestions")
    ok = run("sqlite", None, args.suggestions)
    reason = postgres_reachable()
    if reason is None:
        temp = TempPostgres()
        try:
            ok &= run("postgresql", TempPostgres.url(temp.create("figures")), args.suggestions)
        finally:
            temp.drop_all()
    else:
        print(f"postgresql skipped: {reason}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
