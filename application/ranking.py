"""The ranking port's vocabulary: what a `CandidateRanker` receives (pseudonymised) and answers.

Rankers never see a name, phone number, note or address: a person is an opaque id with
job facts (ROME codes, skills, commune, availability). The hard filters have already run
(application/screening.py); a ranker only orders `pool.eligible`, and records which model
did so (`ModelCall`), so that each suggestion event carries its AI provenance.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, overload

from domain.matching import CriterionCheck


@dataclass(frozen=True, slots=True)
class RankerProfile:
    """A job seeker as rankers see them. `version` changes with the profile (a cache key for embeddings)."""

    candidate_id: str
    version: int
    rome_codes: tuple[str, ...]
    skills: tuple[str, ...]
    commune: str
    available_from: date


@dataclass(frozen=True, slots=True)
class Assessment:
    """Someone who passed the hard filters, and how they fit the criteria (the "why" shown and recorded)."""

    candidate_id: str
    distance_km: float
    met: tuple[CriterionCheck, ...]
    missed: tuple[CriterionCheck, ...]


class LazyAssessments(Sequence[Assessment]):
    """The eligible people's assessments, each built the first time it is read.

    A request may leave tens of thousands of people eligible, but only the few a ranker
    returns are ever shown: assessing them all up front cost more than the ranking itself.
    `ids` lists who is eligible without assessing anyone.
    """

    def __init__(self, ids: Sequence[str], assess: Callable[[int], Assessment]) -> None:
        self.ids = tuple(ids)
        self._assess = assess
        self._built: dict[int, Assessment] = {}

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Assessment: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Assessment]: ...

    def __getitem__(self, index: int | slice) -> Assessment | Sequence[Assessment]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = int(index)  # numpy integers too
        if index < 0:
            index += len(self.ids)
        if not 0 <= index < len(self.ids):
            raise IndexError(index)
        built = self._built.get(index)
        if built is None:
            built = self._built[index] = self._assess(index)
        return built


@dataclass(frozen=True)
class CandidatePool:
    """The people a ranker works on, for one request.

    `profiles` is the agency's contactable people (sorted by id); `version` is a digest of
    their ids and versions, so an index built on them can be cached and reused while it is
    unchanged. `eligible` (sorted by id) is who passed this request's hard filters: only
    they may be scored, and only their profiles may leave the server. `positions[i]` is
    where `eligible[i]` stands in `profiles` (so an index needs no look-up by id).
    """

    version: str
    profiles: tuple[RankerProfile, ...]
    eligible: Sequence[Assessment]  # a tuple, or LazyAssessments: read only those you use
    positions: Sequence[int]  # a tuple, or an array of machine integers

    @property
    def eligible_ids(self) -> tuple[str, ...]:
        """Who passed the hard filters (sorted by id), without assessing them."""
        if isinstance(self.eligible, LazyAssessments):
            return self.eligible.ids
        return tuple(a.candidate_id for a in self.eligible)


@dataclass(frozen=True)
class RankingQuery:
    """The offer side of the match: no personal data."""

    title: str
    rome_code: str
    required_skills: tuple[str, ...]
    optional_skills: tuple[str, ...]
    commune: str


@dataclass(frozen=True)
class ModelCall:
    """Which model produced an output, from which prompt and exact input, at what cost."""

    model: str
    prompt_id: str
    prompt_version: str
    input_sha256: str
    latency_ms: int
    tokens_in: int = 0
    tokens_out: int = 0
    fallback_reason: str = ""


@dataclass(frozen=True)
class RankedCandidate:
    candidate_id: str
    score: float
    rationale: str  # short French text shown to the advisor and the auditor
    output: str  # JSON text: what the ranking model returned about this person, validated
    rationale_output: str = ""  # JSON text: what the rationale call returned about this person, if any


@dataclass(frozen=True)
class RankingResult:
    ranked: tuple[RankedCandidate, ...]  # best first, at most `limit`, eligible people only
    ranking_call: ModelCall
    rationale_call: ModelCall | None = None  # None: the ranking call also wrote the rationales

    def with_fallback(self, reason: str) -> RankingResult:
        """The same result, marked as produced in place of a model that failed for `reason`."""
        return replace(self, ranking_call=replace(self.ranking_call, fallback_reason=reason))


class RankingFailedError(Exception):
    """The model could not rank (timeout, error, output failing validation); the offline ranking replaces it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason  # short code recorded in the events, e.g. "timeout", "invalid_output"
        super().__init__(f"{reason}: {detail}" if detail else reason)


def sha256_of(payload: Any) -> str:
    """Digest of a JSON-able payload in canonical form (sorted keys, no spaces): adapters' `input_sha256`."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
