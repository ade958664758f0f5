"""The offline ranker: BM25 over skills and ROME codes, in scipy sparse matrices (no network, deterministic).

A person's "document" is their ROME codes (exact, and by family: the first three
characters), their skills as whole phrases and their words. BM25 weights are computed once
per pool snapshot (`CandidatePool.version`) into a sparse people × terms matrix; a query is
a sparse matrix–vector product over the query's columns only. Ties are broken by id.
People with no term in common with the query (score 0) are not suggested.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse

from application.criteria_text import rationale
from application.ranking import (
    CandidatePool,
    ModelCall,
    RankedCandidate,
    RankerProfile,
    RankingQuery,
    RankingResult,
    sha256_of,
)
from infrastructure.bm25_terms import document_terms, query_terms

MODEL = "offline-bm25/1"
PROMPT_ID = "match-bm25"
PROMPT_VERSION = "1"
K1, B = 1.2, 0.75


class TermColumns:
    """Column numbers of the terms in each person's document, worked out once per profile version.

    A term keeps its column for good (columns only grow), so that an index rebuilt for a pool
    where one person changed reuses everyone else's columns instead of re-reading their skills.
    """

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self._by_person: dict[str, tuple[RankerProfile, np.ndarray]] = {}
        self._lock = threading.Lock()

    def of(self, profile: RankerProfile) -> np.ndarray:
        held = self._by_person.get(profile.candidate_id)
        if held is not None and (held[0] is profile or held[0] == profile):
            return held[1]
        terms = document_terms(profile.rome_codes, profile.skills)
        with self._lock:  # two new terms must not get the same column
            vocabulary = self.vocabulary
            columns = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), np.int64, len(terms))
        self._by_person[profile.candidate_id] = (profile, columns)
        return columns


@dataclass(frozen=True)
class Bm25Index:
    profiles: tuple[RankerProfile, ...]
    vocabulary: dict[str, int]  # may hold terms added after this index: columns >= weights.shape[1]
    weights: sparse.csc_matrix  # people × terms, BM25 weight of each term in each document

    @classmethod
    def build(cls, profiles: tuple[RankerProfile, ...], columns: TermColumns | None = None) -> Bm25Index:
        columns = columns or TermColumns()
        per_person = [columns.of(profile) for profile in profiles]
        terms_per_person = np.fromiter(map(len, per_person), np.int64, len(per_person))
        col_of = np.concatenate(per_person) if per_person else np.empty(0, np.int64)
        row_of = np.repeat(np.arange(len(profiles)), terms_per_person)
        shape = (len(profiles), max(1, len(columns.vocabulary), int(col_of.max(initial=-1)) + 1))
        counts = sparse.csr_matrix((np.ones(len(row_of)), (row_of, col_of)), shape=shape)  # duplicates add up
        counts.sum_duplicates()
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        average = lengths.mean() if len(profiles) else 1.0
        frequency = np.bincount(counts.indices, minlength=shape[1])
        idf = np.log1p((len(profiles) - frequency + 0.5) / (frequency + 0.5))
        per_row = np.repeat(np.arange(shape[0]), np.diff(counts.indptr))
        tf = counts.data
        counts.data = idf[counts.indices] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[per_row] / (average or 1.0)))
        return cls(profiles, columns.vocabulary, counts.tocsc())

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Every person's score: the weighted sum of the query's columns."""
        width = self.weights.shape[1]
        known = [(column, w) for t, w in sorted(query.items())
                 if (column := self.vocabulary.get(t, width)) < width]
        if not known:
            return np.zeros(self.weights.shape[0])
        columns, values = zip(*known, strict=True)
        return self.weights[:, list(columns)] @ np.asarray(values)


def top(scores: np.ndarray, rows: np.ndarray, limit: int) -> np.ndarray:
    """Positions in `rows` of the best `limit` scores, best first; equal scores by row (id) order."""
    k = min(limit, len(rows))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    if k < len(rows):
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        above = np.flatnonzero(scores > threshold)
        ties = np.flatnonzero(scores == threshold)[: k - len(above)]
        chosen = np.concatenate([above, ties])
    else:
        chosen = np.arange(len(rows))
    return chosen[np.lexsort((rows[chosen], -scores[chosen]))]


class Bm25CandidateRanker:
    """`CandidateRanker` without network: model `offline-bm25/1`; indexes cached per pool version."""

    model = MODEL

    def __init__(self, cache_size: int = 8) -> None:
        self._indexes: OrderedDict[str, Bm25Index] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._columns = TermColumns()

    def index(self, pool: CandidatePool) -> Bm25Index:
        with self._lock:
            if pool.version in self._indexes:
                self._indexes.move_to_end(pool.version)
                return self._indexes[pool.version]
        built = Bm25Index.build(pool.profiles, self._columns)  # outside the lock: a twin build is harmless
        with self._lock:
            self._indexes[pool.version] = built
            while len(self._indexes) > self._cache_size:
                self._indexes.popitem(last=False)
        return built

    def rank(self, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult:
        started = time.perf_counter()
        index = self.index(pool)
        wanted = query_terms(query)
        rows = np.asarray(pool.positions, dtype=np.int64)
        scores = index.scores(wanted)[rows]
        related = np.flatnonzero(scores > 0)  # nothing in common with the offer: not suggested
        ranked = []
        for position in related[top(scores[related], rows[related], limit)]:
            assessment = pool.eligible[position]
            profile = index.profiles[rows[position]]
            if profile.candidate_id != assessment.candidate_id:
                raise ValueError("pool.positions do not match pool.eligible")
            score = round(float(scores[position]), 4)
            matched = sorted(set(document_terms(profile.rome_codes, profile.skills)) & set(wanted))
            output = {"candidate_id": profile.candidate_id, "score": score, "matched_terms": matched}
            ranked.append(RankedCandidate(
                profile.candidate_id, score, rationale(assessment.met, assessment.missed),
                json.dumps(output, ensure_ascii=False, sort_keys=True),
            ))
        # The input: the query, the pool snapshot (its version digest) and who in it was eligible.
        eligible = hashlib.sha256(rows.tobytes()).hexdigest()
        digest = sha256_of({"prompt": f"{PROMPT_ID}/{PROMPT_VERSION}", "query": asdict(query), "pool": pool.version,
                            "eligible": eligible, "limit": limit})
        latency = round((time.perf_counter() - started) * 1000)
        return RankingResult(tuple(ranked), ModelCall(MODEL, PROMPT_ID, PROMPT_VERSION, digest, latency))
