#!/usr/bin/env python
"""The commune gazetteer: its cost at first use, and its share of the per-person distance path.

In one run (issue #2, every French commune, docs/adr/0005):

* first use: reading infrastructure/data/communes.csv.gz and building the index, in a fresh
  process (wall time, the process's CPU time, which load from elsewhere disturbs less, and the
  resident memory it adds);
* look-ups: `coordinates` of a stored label against a plain `dict.get` of the same positions,
  `find_commune` of typed forms (name, "Name (department)", postcode), and a suggestion;
* the upcast of a job seeker's event stored before the INSEE code was recorded (its label read
  into a code), per event (docs/adr/0005, session 4);
* the hard filters of matching (`screen`) on 100k synthetic job seekers, with the gazetteer's
  `coordinates` and with a plain dict of the same positions, interleaved, median of 7: the
  ratio says what the gazetteer adds to the per-person path. Targets: ratio ≤ 1.05, first use
  ≤ 1 s and ≤ 50 MB.

    .venv/bin/python benchmarks/gazetteer.py
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import load_line, machine_line  # noqa: E402

FIRST_USE = """
import time
from infrastructure.gazetteer import french_communes
def rss():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024
before, started, cpu = rss(), time.perf_counter(), time.process_time()
index = french_communes()
print(time.perf_counter() - started, time.process_time() - cpu, rss() - before, len(index))
"""


def first_use() -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds of the process, resident MB added, communes) in a fresh process."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", FIRST_USE], cwd=root, capture_output=True, text=True, check=True)
    seconds, cpu, megabytes, count = out.stdout.split()
    return float(seconds), float(cpu), float(megabytes), int(count)


def per_call_us(op, calls: int = 100_000) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        op()
    return (time.perf_counter() - started) / calls * 1e6


def upcast_us(gazetteer) -> float:
    """What reading an event stored before the code adds: the event class's upcast_v1_v2."""
    from datetime import date
    from domain.candidate import Candidate, CandidateProfile
    from domain.commune_code import resolve_labels_with
    from domain.personal_data import PersonalData

    resolve_labels_with(gazetteer.commune_code)
    text = PersonalData("subject", "x")
    profile = CandidateProfile(text, text, text, "Saint-Ouen", ("K2204",), (), date(2026, 12, 1), 10, text)
    upcast = Candidate.Registered.upcast_v1_v2
    return per_call_us(lambda: upcast({"profile": profile}), 50_000)


def main() -> int:
    from application.screening import PoolPeople, screen
    from application.queries.pool import PoolCandidate
    from infrastructure.gazetteer import InseeGazetteer
    from matching import AGENCY, People, criteria_list

    print(f"# {machine_line()}\n# {load_line()}")
    runs = [first_use() for _ in range(3)]
    seconds, cpu, megabytes, count = min(runs)
    print(f"first use: {count} communes, {seconds * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU (best of 3; wall "
          f"{', '.join(f'{r[0] * 1000:.0f}' for r in runs)} ms), +{megabytes:.0f} MB resident  "
          f"[target ≤ 1,000 ms, ≤ 50 MB]")

    gazetteer = InseeGazetteer()
    people = People()
    positions = {label: gazetteer.coordinates(label) for label in people.communes}
    label = "Villeurbanne"
    lookup, plain = per_call_us(lambda: gazetteer.coordinates(label)), per_call_us(lambda: positions.get(label))
    print(f"coordinates of a stored label: {lookup:.2f} µs per call, dict.get {plain:.2f} µs")
    for typed in ("villeurbanne", "Saint-Denis (93)", "69100", "saint denis"):
        print(f"find_commune({typed!r}): {per_call_us(lambda: gazetteer.find_commune(typed), 20_000):.1f} µs")
    print(f"suggest_communes('saint', 20): {per_call_us(lambda: gazetteer.suggest_communes('saint', 20), 200):.0f} µs")
    print(f"upcast of a version-1 Candidate.Registered (label -> INSEE code): {upcast_us(gazetteer):.2f} µs per event")

    pool = PoolPeople(AGENCY, [PoolCandidate(candidate_id=row.pop("id"), **row) for row in people.rows(100_000)])
    criteria = criteria_list(6)
    timings: dict[str, list[float]] = {"gazetteer": [], "dict": []}
    runs = (("gazetteer", gazetteer.coordinates), ("dict", positions.get))
    for round_ in range(7):
        for name, where in runs if round_ % 2 else runs[::-1]:  # alternate which goes first
            started = time.perf_counter()
            for c in criteria:
                screen(c, AGENCY, pool, where)
            timings[name].append((time.perf_counter() - started) / len(criteria) * 1000)
    with_gazetteer, with_dict = statistics.median(timings["gazetteer"]), statistics.median(timings["dict"])
    print(f"screen, 100k people, {len(people.communes)} communes: {with_gazetteer:.1f} ms per query with the "
          f"gazetteer, {with_dict:.1f} ms with a dict: ratio {with_gazetteer / with_dict:.3f}  [target ≤ 1.05]")
    print(f"# {load_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
