"""Criteria met and missed by someone who passed the hard filters (the "why" of a suggestion).

Checks are immutable and shared: an `Assessor` builds each distinct one once per request,
so assessing tens of thousands of people allocates little more than their tuples.
"""
from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

from application.projections.text import search_key
from application.ranking import Assessment
from domain.matching import CriterionCheck, MatchCriteria

if TYPE_CHECKING:
    from application.screening import PoolCandidate

#: Skills and communes repeat across people: fold each label once.
folded = lru_cache(maxsize=100_000)(search_key)


class Assessor:
    def __init__(self, criteria: MatchCriteria) -> None:
        self.criteria = criteria
        self.trade = CriterionCheck("rome_code", criteria.rome_code)
        self.skills = [(folded(s), CriterionCheck("skill", s)) for s in criteria.required_skills]
        self.skills += [(folded(s), CriterionCheck("optional_skill", s)) for s in criteria.optional_skills]
        self.check = cache(CriterionCheck)  # e.g. ("distance", "3.1", "20") built once per request

    def assess(self, person: PoolCandidate, distance: float) -> Assessment:
        c, check = self.criteria, self.check
        met: list[CriterionCheck] = []
        missed: list[CriterionCheck] = []
        (met if c.rome_code in person.rome_codes else missed).append(self.trade)
        has = {folded(skill) for skill in person.skills}
        for key, skill_check in self.skills:
            (met if key in has else missed).append(skill_check)
        met.append(check("distance", f"{distance:.1f}", str(min(person.mobility_km, c.max_distance_km))))
        met.append(check("availability", person.available_from.isoformat(), c.available_by.isoformat()))
        if c.contract_type:
            met.append(check("contract_type", c.contract_type, " ".join(person.contract_types)))
        if c.hours_per_week:
            met.append(check("hours", str(c.hours_per_week), str(person.max_hours_per_week or "")))
        if c.salary_max and person.salary_min_expected:
            fits = c.salary_max >= person.salary_min_expected
            (met if fits else missed).append(check("salary", str(c.salary_max), str(person.salary_min_expected)))
        return Assessment(person.candidate_id, round(distance, 1), tuple(met), tuple(missed))
