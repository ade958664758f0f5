"""Who a match request considered, by category: recorded with the request for the oversight figures.

The eligible pool (everyone who passed the hard filters) can run to thousands of people, so
the request records how many of them fall in each category of each dimension, not who they
were (docs/adr/0016). The same `categories` function places a shortlisted person, so both
sides of the comparison are counted alike. "" is the category of what was not recorded.

The commune is counted by its INSEE code as recorded (session 5, docs/adr/0005): requests recorded
before counted labels, which `commune_counts_by_code` reads into codes. Codes that a later merger
retired are grouped with today's commune when the figures are shown, not here.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from domain.commune_code import code_of_stored_label, code_today, known
from domain.demographics import age_band

#: The dimensions compared, in display order; "commune" and "priority_area" make the area.
DIMENSIONS = ("age_band", "sex", "priority_area", "commune")


def categories(birth_date: str, sex: str, priority_area: str, commune: str | None, day: date) -> dict[str, str]:
    """The person's category in each dimension on `day` (age bands move with time); `commune` is a code,
    None or "" when not known."""
    return {"age_band": age_band(birth_date, day), "sex": sex, "priority_area": priority_area, "commune": commune or ""}


def commune_counts_by_code(counts: Mapping[str, int]) -> dict[str, int]:
    """A request's commune counts by INSEE code. Requests recorded before session 5 counted labels: each is
    read as stored labels are (the gazetteer the application installed); one that designates no single
    commune counts as not recorded (""), as a person whose commune is unknown does."""
    by_code: Counter[str] = Counter()
    for category, people in counts.items():
        if category and not known(category):
            code = code_of_stored_label(category)
            category = code if known(code) else ""
        by_code[category] += int(people)
    return dict(sorted(by_code.items()))


def composition(people: Iterable[Mapping[str, str]]) -> dict[str, dict[str, int]]:
    """Per dimension, how many people fall in each category (categories as `categories` gives them)."""
    counters: dict[str, Counter[str]] = {dimension: Counter() for dimension in DIMENSIONS}
    for person in people:
        for dimension in DIMENSIONS:
            counters[dimension][person[dimension]] += 1
    return {dimension: dict(sorted(counter.items())) for dimension, counter in counters.items()}


def eligible_composition(people: Iterable, eligible_ids: Iterable[str], day: date) -> dict[str, dict[str, int]]:
    """The composition of the eligible pool; `people` are PoolCandidate-like (birth_date, sex, ...).

    Runs on every match request, over pools of up to 100,000 people: people are first counted
    by their recorded values, then each distinct birth date is placed in its band once.
    """
    wanted = set(eligible_ids)
    values = Counter((p.birth_date, p.sex, p.priority_area, p.commune_code) for p in people if p.candidate_id in wanted)
    counters: dict[str, Counter[str]] = {dimension: Counter() for dimension in DIMENSIONS}
    bands: dict[str, str] = {}
    for (born, sex, priority_area, commune), n in values.items():
        if born not in bands:
            bands[born] = age_band(born, day)
        for dimension, category in zip(DIMENSIONS, (bands[born], sex, priority_area, commune), strict=True):
            counters[dimension][category] += n
    return {dimension: dict(sorted(counter.items())) for dimension, counter in counters.items()}


def by_commune_today(counts: Mapping[str, int]) -> dict[str, int]:
    """Commune counts grouped by today's commune: a code retired by a merger counts with the commune it
    was merged into, so people recorded before and after the merger compare as one category."""
    today: Counter[str] = Counter()
    for code, people in counts.items():
        today[code_today(code)] += people
    return dict(today)
