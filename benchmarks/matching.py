#!/usr/bin/env python
"""Matching at scale: the offline ranker, the whole shortlist request, and a semantic query's cost.

Three parts, in one run (issue #3, "Performance"):

* (a) offline ranking — the BM25 index build time and the per-query time (p50/p95) of
      `Bm25CandidateRanker.rank` on 10k, 100k and 1M synthetic job seekers (ROME codes and skills
      of infrastructure/demo_data.TRADES, ~30 communes around Lyon). Target: ≤ 5 ms per query at 100k.
* (b) the shortlist request at 100k people of one agency, on SQLite (temp file) and PostgreSQL
      (temp database relais_bench_*, if 127.0.0.1:5432 answers): `services.app.request_shortlist`
      (pool query, hard filters, ranking, MatchRequested + 20 suggestions recorded, read model
      brought up to date), then reading the shortlist (`services.shortlists.current`) and, if the
      web fragment exists, rendering it. The pool is seeded by bulk INSERT into `rm_candidates`
      (the read model matching reads), not by 100k registrations. Target: p95 ≤ 400 ms.
* (c) a semantic query on a 1024-d float32 embedding matrix (100k and 500k/1M rows): matrix @ vector
      + top-k (argpartition) against streaming the matrix once (np.sum and a copy into a
      preallocated buffer), in the same run. Target: ratio ≤ 1.5.

    .venv/bin/python benchmarks/matching.py            # full run (a few minutes; 1M people)
    .venv/bin/python benchmarks/matching.py --quick    # 10k/100k only, fewer requests (~1 min)
    .venv/bin/python benchmarks/matching.py --parts a,c --stores sqlite

It connects only to 127.0.0.1. Temp files and databases are removed at the end, also on
Ctrl-C or SIGTERM. It always exits 0.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from _common import (  # noqa: E402
    TempPostgres,
    advisor,
    load_line,
    machine_line,
    postgres_reachable,
    postgres_version,
    relais_settings,
)

AGENCY = "agence-lyon-est"
OTHER_AGENCY = "agence-villeurbanne"
TODAY = date(2026, 12, 1)
CONTRACT_SETS = ("", "CDI", "CDI CDD", "CDD interim", "interim", "CDI CDD interim", "alternance", "saisonnier CDD")

QUERY_TARGET_MS = 5.0
REQUEST_TARGET_MS = 400.0
SEMANTIC_TARGET = 1.5


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    queries: int
    requests: int
    warmup: int
    semantic_rows: tuple[int, ...]
    semantic_repeats: int


FULL = Plan((10_000, 100_000, 1_000_000), 30, 20, 3, (100_000, 1_000_000), 7)
QUICK = Plan((10_000, 100_000), 20, 8, 2, (100_000,), 5)


def ms(seconds: float) -> float:
    return seconds * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def verdict(value: float, target: float) -> str:
    return "MET" if value <= target else "MISSED"


# ------------------------------------------------------------------------ synthetic people


def communes() -> list[str]:
    from application.geo import distance_km
    from infrastructure.gazetteer import InseeGazetteer

    index = InseeGazetteer().index
    lyon = index.stored("Lyon")
    # The towns above 15,000 inhabitants (the former gazetteer's), so the workload stays comparable.
    return sorted(index.label(c) for c in index.communes()
                  if c.population > 15_000 and distance_km((c.latitude, c.longitude), (lyon.latitude, lyon.longitude)) < 60)


class People:
    """Deterministic synthetic job seekers: 1–2 trades, 2–4 of their skills (sometimes one of another trade)."""

    def __init__(self, seed: int = 3) -> None:
        from infrastructure.demo_data import TRADES

        self.random = random.Random(seed)
        self.trades = list(TRADES.items())
        self.communes = communes()
        self.weights = [8 if n.startswith("Lyon") or n == "Villeurbanne" else 3 for n in self.communes]

    def row(self, n: int) -> dict[str, Any]:
        r = self.random
        trades = r.sample(self.trades, r.choice((1, 1, 2)))
        skills = list(dict.fromkeys(s for _, (_, pool) in trades for s in r.sample(pool, r.randint(2, 4))))
        if r.random() < 0.3:
            skills.append(r.choice(r.choice(self.trades)[1][1]))
        return {
            "id": str(uuid.UUID(int=r.getrandbits(128), version=4)),
            "agency_id": AGENCY,
            "version": r.randint(1, 4),
            "commune": r.choices(self.communes, self.weights)[0],
            "rome_codes": tuple(code for code, _ in trades),
            "skills": tuple(dict.fromkeys(skills)),
            "available_from": TODAY + timedelta(days=r.randint(-120, 90)),
            "mobility_km": r.choice((5, 10, 15, 20, 30, 50)),
            "contract_types": tuple(r.choice(CONTRACT_SETS).split()),
            "max_hours_per_week": r.choice((0, 0, 20, 24, 35, 35, 39)),
            "salary_min_expected": r.choice((0, 0, 19_000, 21_000, 23_000, 26_000)),
            "sms_consent": r.random() < 0.9,
            "erased": False,
        }

    def rows(self, count: int) -> list[dict[str, Any]]:
        return [self.row(n) for n in range(count)]


def criteria_list(count: int) -> list[Any]:
    """Varied offers: each trade, with its first skills, around Lyon, CDI or any contract."""
    from application.values import MatchCriteria
    from infrastructure.demo_data import TRADES

    r = random.Random(11)
    towns = ("Lyon", "Villeurbanne", "Vénissieux", "Bron", "Saint-Priest (69)", "Vaulx-en-Velin")
    result = []
    for i in range(count):
        code, (_, skills) = list(TRADES.items())[i % len(TRADES)]
        result.append(MatchCriteria(
            code, towns[i % len(towns)], TODAY + timedelta(days=r.choice((0, 15, 30))), tuple(skills[:2]),
            tuple(skills[2:3]), max_distance_km=r.choice((10, 20, 30)), contract_type=r.choice(("", "CDI", "CDD")),
            hours_per_week=r.choice((0, 24, 35)), salary_max=r.choice((0, 24_000)), limit=20,
        ))
    return result


# ------------------------------------------------------------------------ (a) offline ranking


@dataclass
class OfflineRow:
    people: int
    eligible: float  # median eligible per query
    build_s: float
    p50_ms: float
    p95_ms: float
    screen_ms: float  # median hard filters (screen) per query, for scale


def bench_offline(plan: Plan) -> list[OfflineRow]:
    from application.queries.pool import PoolCandidate
    from application.ranking import RankingQuery
    from application.screening import PoolPeople, screen
    from infrastructure.gazetteer import InseeGazetteer
    from infrastructure.offline_ranker import Bm25CandidateRanker, Bm25Index

    gazetteer = InseeGazetteer()
    results = []
    for size in plan.sizes:
        people = People()
        pool_people = [PoolCandidate(candidate_id=row.pop("id"), **row) for row in people.rows(size)]
        pool_people = PoolPeople(AGENCY, pool_people)  # as the read-model source answers it, kept between requests
        queries = criteria_list(plan.queries if size < 1_000_000 else min(plan.queries, 10))  # bounded at 1M
        screenings, screen_times = [], []
        for criteria in queries:
            started = time.perf_counter()
            screenings.append(screen(criteria, AGENCY, pool_people, gazetteer.coordinates))
            screen_times.append(time.perf_counter() - started)
        profiles = screenings[0].pool.profiles
        gc.collect()
        started = time.perf_counter()
        Bm25Index.build(profiles)
        build = time.perf_counter() - started
        ranker = Bm25CandidateRanker()
        ranker.index(screenings[0].pool)  # built (again) and cached: every query below reuses it
        times, eligible = [], []
        for criteria, screening in zip(queries, screenings, strict=True):
            query = RankingQuery(criteria.rome_code, criteria.rome_code, criteria.required_skills,
                                 criteria.optional_skills, criteria.commune)
            started = time.perf_counter()
            ranker.rank(query, screening.pool, criteria.limit)
            times.append(time.perf_counter() - started)
            eligible.append(len(screening.pool.eligible))
        results.append(OfflineRow(size, statistics.median(eligible), build, ms(statistics.median(times)),
                                  ms(p95(times)), ms(statistics.median(screen_times))))
        row = results[-1]
        print(f"  {size:>9,} people: index build {row.build_s:.2f} s, query p50 {row.p50_ms:.2f} ms, "
              f"p95 {row.p95_ms:.2f} ms (median {row.eligible:,.0f} eligible); screen {row.screen_ms:.0f} ms",
              flush=True)
        del pool_people, screenings, profiles, ranker
        gc.collect()
    return results


# ------------------------------------------------------------------------ (b) the shortlist request

RM_COLUMNS = (
    "id, agency_id, first_name, last_name, phone, commune, rome_codes, skills, available_from, mobility_km, notes, "
    "sms_consent, erased, search_text, version, registered_at, updated_at, contract_types, max_hours_per_week, "
    "salary_min_expected"
)


def seed_pool(services: Any, count: int) -> float:
    """Bulk INSERT of `count` job seekers of AGENCY (and 5% of another agency) into rm_candidates."""
    people = People(seed=5)
    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    marks = ", ".join("?" * len(RM_COLUMNS.split(", ")))
    sql = f"INSERT INTO rm_candidates ({RM_COLUMNS}) VALUES ({marks})"
    now = "2026-11-01T09:00:00+00:00"
    total = count + count // 20
    for n in range(total):
        p = people.row(n)
        agency = AGENCY if n < count else OTHER_AGENCY
        batch.append((
            p["id"], agency, f"Prénom{n}", f"Nom{n}", f"06{n:08d}", p["commune"], " ".join(p["rome_codes"]),
            "|".join(p["skills"]), p["available_from"].isoformat(), p["mobility_km"], "",
            int(p["sms_consent"]), 0, f"nom{n} prenom{n}", p["version"], now, now, " ".join(p["contract_types"]),
            p["max_hours_per_week"], p["salary_min_expected"],
        ))
        if len(batch) == 5_000 or n == total - 1:
            with services.database.transaction() as tx:
                tx.executemany(sql, batch)
            batch.clear()
    return time.perf_counter() - started


@dataclass
class RequestRow:
    store: str
    people: int
    seed_s: float
    request_p50: float
    request_p95: float
    read_p50: float
    total_p50: float
    total_p95: float
    rendered: str
    phases: dict[str, float]


def shortlist_renderer() -> tuple[Any, str] | None:
    """(render(view) -> str, template name) if the web fragment of the shortlist exists, else None."""
    try:
        from web.app import template_environment
    except Exception:  # noqa: BLE001 - the web layer may be half-built by another session
        return None
    environment = template_environment()
    for name in ("offers/_shortlist.html", "shortlists/_shortlist.html", "offers/_suggestions.html"):
        try:
            template = environment.get_template(name)
        except Exception:  # noqa: BLE001
            continue
        return (lambda view: template.render(shortlist=view, view=view, offer_id=view.offer_id, csrf_token="x")), name
    return None


def bench_request(store: str, plan: Plan, workspace: Workspace, size: int) -> list[RequestRow]:
    from infrastructure.bootstrap import bootstrap
    from tests.integration.helpers import terms

    url = None
    if store == "postgresql":
        url = TempPostgres.url(workspace.postgres.create("match"))
    data_dir = Path(tempfile.mkdtemp(prefix="relais_bench_match_", dir=workspace.root))
    services = bootstrap(relais_settings(data_dir, url))
    workspace.services.append(services)
    seed_s = seed_pool(services, size)
    if store == "postgresql":
        with services.database.transaction() as tx:
            tx.execute("ANALYZE rm_candidates")
    caller = advisor()
    renderer = shortlist_renderer()
    queries = criteria_list(plan.warmup + plan.requests)
    offers = [services.app.publish_offer(terms(rome_code=c.rome_code, commune=c.commune), caller) for c in queries]
    phases = PhaseClock(services)
    try:
        rows = [_timed_requests(store, plan, services, size, seed_s, offers, queries, renderer, phases)]
        # The same requests again, with a job seeker registered (a real event) before each one: the pool
        # source then re-reads the rows changed since, instead of answering from memory.
        phases.kept.clear()
        rows.append(_timed_requests(f"{store} (+1 person/request)", plan, services, size, seed_s, offers, queries,
                                    renderer, phases, newcomer=lambda n: register_one(services, n)))
        phases.restore()
        rows.append(_timed_http_requests(f"{store} (HTTP, fragment rendered)", plan, services, size, seed_s, offers,
                                         queries))
        return rows
    finally:
        phases.restore()


def _timed_http_requests(store: str, plan: Plan, services: Any, size: int, seed_s: float, offers: list[Any],
                         queries: list[Any]) -> RequestRow:
    """The request as the browser makes it: an htmx POST of the criteria form through the whole web
    stack (session, CSRF, form parsing, the use case, the read model, the fragment rendered)."""
    from litestar.testing import TestClient

    from application.caller import Caller
    from web.app import CSRF_COOKIE, create_app

    password = "mot-de-passe-du-banc-d-essai"
    services.app.open_account("bench-advisor", "advisor", AGENCY, password, Caller.cli("bench"))
    times = []
    with TestClient(create_app(services), base_url="http://testserver.local") as client:
        client.get("/connexion")
        token = client.cookies.get(CSRF_COOKIE)
        client.post("/connexion", data={"username": "bench-advisor", "password": password, "_csrf_token": token})
        client.get("/conseiller")
        token = client.cookies.get(CSRF_COOKIE)  # signing in gives a new token
        headers = {"HX-Request": "true", "x-csrftoken": token}
        for i, (offer_id, criteria) in enumerate(zip(offers, queries, strict=True)):
            form = {
                "rome_code": criteria.rome_code, "required_skills": ", ".join(criteria.required_skills),
                "optional_skills": ", ".join(criteria.optional_skills), "commune": criteria.commune,
                "max_distance_km": str(criteria.max_distance_km), "contract_type": criteria.contract_type,
                "hours_per_week": str(criteria.hours_per_week or ""), "available_by": criteria.available_by.isoformat(),
                "salary_min": "", "salary_max": str(criteria.salary_max or ""), "limit": str(criteria.limit),
                "_csrf_token": token,
            }
            started = time.perf_counter()
            response = client.post(f"/conseiller/offres/{offer_id}/preselection", data=form, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or 'id="preselection"' not in response.text:
                raise RuntimeError(f"the shortlist request answered {response.status_code}: {response.text[:300]}")
            if i >= plan.warmup:
                times.append(elapsed)
    row = RequestRow(store, size, seed_s, ms(statistics.median(times)), ms(p95(times)), 0.0,
                     ms(statistics.median(times)), ms(p95(times)), "fragment rendered (htmx POST, whole web stack)", {})
    print(f"  {store}: request+render p50 {row.request_p50:.0f} ms, p95 {row.request_p95:.0f} ms", flush=True)
    return row


def register_one(services: Any, n: int) -> None:
    from tests.integration.helpers import details, mobile

    services.app.register_candidate(details(phone=mobile(n), commune="Lyon"), sms_consent=True, caller=advisor())


def _timed_requests(store: str, plan: Plan, services: Any, size: int, seed_s: float, offers: list[Any],
                    queries: list[Any], renderer: Any, phases: PhaseClock, newcomer: Any = None) -> RequestRow:
    caller = advisor()
    request_times, read_times, totals = [], [], []
    for i, (offer_id, criteria) in enumerate(zip(offers, queries, strict=True)):
        if newcomer is not None:
            newcomer(i)  # not timed
        phases.reset()
        started = time.perf_counter()
        services.app.request_shortlist(offer_id, criteria, caller)
        requested = time.perf_counter()
        view = services.shortlists.current(caller, offer_id)
        if renderer is not None:
            try:
                renderer[0](view)
            except Exception as error:  # noqa: BLE001 - the fragment needs the web layer's context
                print(f"  the fragment {renderer[1]} did not render outside a web request ({error}): "
                      "render not included", flush=True)
                renderer = None
        done = time.perf_counter()
        if len(view.suggestions) != criteria.limit and i == 0:
            print(f"  note: {len(view.suggestions)} suggestions for {criteria.rome_code}", flush=True)
        if i >= plan.warmup:
            request_times.append(requested - started)
            read_times.append(done - requested)
            totals.append(done - started)
            phases.keep()
    rendered = f"render of {renderer[1]} included" if renderer else "render NOT included (fragment absent or not renderable here)"
    row = RequestRow(store, size, seed_s, ms(statistics.median(request_times)), ms(p95(request_times)),
                     ms(statistics.median(read_times)), ms(statistics.median(totals)), ms(p95(totals)), rendered,
                     phases.medians())
    print(f"  {store}: seeded {size:,} people in {seed_s:.1f} s; request p50 {row.request_p50:.0f} ms, "
          f"p95 {row.request_p95:.0f} ms; read{'+render' if renderer else ''} p50 {row.read_p50:.0f} ms; "
          f"total p95 {row.total_p95:.0f} ms", flush=True)
    print("    phases (median ms): " + ", ".join(f"{k} {v:.0f}" for k, v in row.phases.items()), flush=True)
    return row


class PhaseClock:
    """Wall time of the request's phases, by wrapping the live objects (no profiler)."""

    def __init__(self, services: Any) -> None:
        import application.matching as matching

        self.current: dict[str, float] = {}
        self.originals: list[tuple[Any, str, Any]] = []
        self.kept: dict[str, list[float]] = {}
        app = services.app
        self._wrap(app.candidate_pool, "people", "pool query")
        self._wrap(matching, "screen", "hard filters")
        self._wrap(app, "_suggest", "rank")
        self._wrap(app, "_save", "save + projections")

    def _wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.current[label] = self.current.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)
        self.originals.append((owner, name, original))

    def reset(self) -> None:
        self.current = {}

    def keep(self) -> None:
        for label, seconds in self.current.items():
            self.kept.setdefault(label, []).append(seconds)

    def medians(self) -> dict[str, float]:
        return {label: ms(statistics.median(values)) for label, values in self.kept.items()}

    def restore(self) -> None:
        for owner, name, original in reversed(self.originals):
            setattr(owner, name, original)
        self.originals.clear()


# ------------------------------------------------------------------------ (c) semantic query


@dataclass
class SemanticRow:
    rows: int
    gigabytes: float
    stream_sum_ms: float
    stream_copy_ms: float
    query_ms: float
    matvec_ms: float

    @property
    def ratio(self) -> float:
        return self.query_ms / min(self.stream_sum_ms, self.stream_copy_ms)


def semantic_rows(wanted: int) -> int:
    """`wanted`, or fewer if the matrix (and its copy buffer) would not fit comfortably in free memory."""
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return min(wanted, 500_000)
    rows = wanted
    while rows > 100_000 and 2 * rows * 1024 * 4 > 0.6 * available:
        rows //= 2
    return rows


def bench_semantic(plan: Plan) -> list[SemanticRow]:
    results = []
    for wanted in plan.semantic_rows:
        rows = semantic_rows(wanted)
        if rows != wanted:
            print(f"  {wanted:,} rows would not fit in free memory with a copy buffer: {rows:,} rows instead")
        generator = np.random.default_rng(7)
        matrix = np.empty((rows, 1024), dtype=np.float32)
        for start in range(0, rows, 50_000):  # unit rows, as the Mistral ranker keeps them
            block = generator.standard_normal((min(50_000, rows - start), 1024), dtype=np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            matrix[start:start + len(block)] = block
        vector = generator.standard_normal(1024, dtype=np.float32)
        vector /= np.linalg.norm(vector)
        buffer = np.empty_like(matrix)
        scores = np.empty(rows, dtype=np.float32)
        k = 20

        def stream_sum() -> None:
            matrix.sum(dtype=np.float32)

        def stream_copy() -> None:
            np.copyto(buffer, matrix)

        def matvec() -> None:
            np.matmul(matrix, vector, out=scores)

        def query() -> None:
            np.matmul(matrix, vector, out=scores)
            best = np.argpartition(scores, rows - k)[rows - k:]
            best[np.argsort(-scores[best])]

        timings: dict[str, list[float]] = {"sum": [], "copy": [], "matvec": [], "query": []}
        for f in (stream_sum, stream_copy, matvec, query):
            f()  # warm-up (page faults of the buffers)
        for _ in range(plan.semantic_repeats):  # interleaved: machine noise hits all alike
            for name, f in (("sum", stream_sum), ("copy", stream_copy), ("matvec", matvec), ("query", query)):
                started = time.perf_counter()
                f()
                timings[name].append(time.perf_counter() - started)
        row = SemanticRow(rows, matrix.nbytes / 1e9, *(ms(min(timings[n])) for n in ("sum", "copy", "query", "matvec")))
        results.append(row)
        print(f"  {rows:,} × 1024 float32 ({row.gigabytes:.2f} GB): stream (sum) {row.stream_sum_ms:.1f} ms, "
              f"stream (copy) {row.stream_copy_ms:.1f} ms, query {row.query_ms:.1f} ms (matvec alone "
              f"{row.matvec_ms:.1f} ms): ratio {row.ratio:.2f}", flush=True)
        del matrix, buffer, scores
        gc.collect()
    return results


# ------------------------------------------------------------------------ workspace and report


class Workspace:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="relais_bench_"))
        self.postgres = TempPostgres()
        self.services: list[Any] = []

    def close(self) -> None:
        for services in self.services:
            try:
                services.close()
            except Exception:  # noqa: BLE001, S110 - cleanup goes on
                pass
        self.services.clear()
        try:
            self.postgres.drop_all()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def print_report(offline: list[OfflineRow], requests: list[RequestRow], semantic: list[SemanticRow]) -> None:
    print("\n## Results\n")
    if offline:
        print("(a) offline ranking (Bm25CandidateRanker), index cached after the first query; "
              "target ≤ 5 ms per query at 100k\n")
        print("| people | eligible (median) | index build | query p50 | query p95 | hard filters p50 | target |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for r in offline:
            target = f"≤ {QUERY_TARGET_MS:.0f} ms {verdict(r.p95_ms, QUERY_TARGET_MS)}" if r.people == 100_000 else "-"
            print(f"| {r.people:,} | {r.eligible:,.0f} | {r.build_s:.2f} s | {r.p50_ms:.2f} ms | {r.p95_ms:.2f} ms | "
                  f"{r.screen_ms:.0f} ms | {target} |")
        if len(offline) > 1:
            first, last = offline[0], offline[-1]
            grow = last.people / first.people
            print(f"\nFrom {first.people:,} to {last.people:,} people (×{grow:.0f}): index build ×"
                  f"{last.build_s / first.build_s:.0f}, query p50 ×{last.p50_ms / first.p50_ms:.0f}.")
    if requests:
        print("\n(b) shortlist request (pool seeded by bulk INSERT into rm_candidates; the request goes through "
              "services.app.request_shortlist and records its events); target p95 ≤ 400 ms\n")
        print("| store | people | request p50 | request p95 | read (+render) p50 | total p50 | total p95 | target |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for r in requests:
            print(f"| {r.store} | {r.people:,} | {r.request_p50:.0f} ms | {r.request_p95:.0f} ms | {r.read_p50:.0f} ms | "
                  f"{r.total_p50:.0f} ms | {r.total_p95:.0f} ms | ≤ 400 ms {verdict(r.total_p95, REQUEST_TARGET_MS)} |")
        print("\n" + "; ".join(f"{r.store}: {r.rendered}" for r in requests))
    if semantic:
        print("\n(c) semantic query: matrix @ vector + top-20 (argpartition) ÷ streaming the matrix once "
              "(the faster of np.sum and a copy); target ≤ 1.5\n")
        print("| rows × 1024 float32 | size | stream (sum) | stream (copy) | query | ratio | target |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for s in semantic:
            print(f"| {s.rows:,} | {s.gigabytes:.2f} GB | {s.stream_sum_ms:.1f} ms | {s.stream_copy_ms:.1f} ms | "
                  f"{s.query_ms:.1f} ms | {s.ratio:.2f} | ≤ 1.5 {verdict(s.ratio, SEMANTIC_TARGET)} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k people only, fewer queries and requests")
    parser.add_argument("--parts", default="a,b,c", help="comma-separated: a (offline), b (request), c (semantic)")
    parser.add_argument("--stores", default="sqlite,postgresql", help="for (b): sqlite, postgresql (default: both)")
    parser.add_argument("--people", type=int, default=100_000, help="for (b): job seekers of the agency")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    parts = {p.strip() for p in args.parts.split(",")}
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if "b" in parts and "postgresql" in stores:
        reason = postgres_reachable()
        if reason:
            print(f"PostgreSQL on 127.0.0.1:5432 unreachable, skipped: {reason}", file=sys.stderr)
            stores.remove("postgresql")
    versions = machine_line() + (f", {postgres_version()}" if "b" in parts and "postgresql" in stores else "")
    print(f"Relais matching benchmark — {datetime.now():%Y-%m-%d %H:%M} — {versions}")
    print(f"At start: {load_line()}", flush=True)
    offline: list[OfflineRow] = []
    requests: list[RequestRow] = []
    semantic: list[SemanticRow] = []
    workspace = Workspace()
    try:
        if "a" in parts:
            print("\n(a) offline ranking", flush=True)
            offline = bench_offline(plan)
        if "b" in parts:
            print(f"\n(b) shortlist request, {args.people:,} people", flush=True)
            for store in stores:
                requests.extend(bench_request(store, plan, workspace, args.people))
        if "c" in parts:
            print("\n(c) semantic query", flush=True)
            semantic = bench_semantic(plan)
    except KeyboardInterrupt:
        print("\ninterrupted: partial results", file=sys.stderr)
    finally:
        workspace.close()
    print_report(offline, requests, semantic)
    print(f"\nAt end: {load_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
