"""Terms of the offline ranker's documents and queries: ROME codes, their family, skills and their words.

Text is folded (lower case, no accents) so that "Déchets" and "dechets" are one term.
"""
from __future__ import annotations

import re
from functools import lru_cache

from application.projections.text import search_key
from application.ranking import RankingQuery

#: Query term weights: the trade counts most, then required skills; optional skills are a bonus.
WEIGHTS = {"rome": 2.0, "famille": 0.5, "skill": 1.0, "word": 1.0, "optional": 0.5}
STOPWORDS = frozenset("a au aux d de des du en et l la le les par pour sur un une".split())
WORD = re.compile(r"[a-z0-9]+")


def words(skill: str) -> list[str]:
    return [w for w in WORD.findall(search_key(skill)) if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=100_000)
def skill_terms(skill: str) -> tuple[str, ...]:
    """A skill's terms: the whole phrase, then its words (skills repeat across people: computed once)."""
    return (f"skill:{search_key(skill)}", *(f"w:{w}" for w in words(skill)))


def document_terms(rome_codes: tuple[str, ...], skills: tuple[str, ...]) -> list[str]:
    terms = [f"rome:{code}" for code in rome_codes] + [f"famille:{code[:3]}" for code in rome_codes]
    for skill in skills:
        terms.extend(skill_terms(skill))
    return terms


def query_terms(query: RankingQuery) -> dict[str, float]:
    weights: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        weights[term] = weights.get(term, 0.0) + weight

    add(f"rome:{query.rome_code}", WEIGHTS["rome"])
    add(f"famille:{query.rome_code[:3]}", WEIGHTS["famille"])
    for skill, kind in [(s, "skill") for s in query.required_skills] + [(s, "optional") for s in query.optional_skills]:
        add(f"skill:{search_key(skill)}", WEIGHTS[kind])
        for w in words(skill):
            add(f"w:{w}", WEIGHTS["word"] if kind == "skill" else WEIGHTS["optional"])
    return weights
