"""The offline BM25 ranker: order, determinism, ties, the index cache, and what it records."""
from __future__ import annotations

import json
import random
from datetime import date

from scipy import sparse

from application.ranking import Assessment, CandidatePool, RankerProfile, RankingQuery
from domain.matching import CriterionCheck
from infrastructure.offline_ranker import MODEL, Bm25CandidateRanker, Bm25Index

QUERY = RankingQuery("Agent de propreté", "K2204", ("nettoyage de locaux", "tri des déchets"), ("permis b",), "Lyon")


def profile(n: int, rome: tuple[str, ...], skills: tuple[str, ...], version: int = 1) -> RankerProfile:
    return RankerProfile(f"{n:08d}-0000-0000-0000-000000000000", version, rome, skills, "Lyon", date(2026, 12, 1))


def pool(*profiles: RankerProfile, eligible: list[str] | None = None) -> CandidatePool:
    ordered = tuple(sorted(profiles, key=lambda p: p.candidate_id))
    ids = eligible if eligible is not None else [p.candidate_id for p in ordered]
    assessments = tuple(Assessment(i, 0.0, (CriterionCheck("distance", "0.0", "20"),), ()) for i in sorted(ids))
    version = "v:" + ",".join(f"{p.candidate_id}:{p.version}" for p in ordered)
    row = {p.candidate_id: i for i, p in enumerate(ordered)}
    return CandidatePool(version, ordered, assessments, tuple(row[a.candidate_id] for a in assessments))


PEOPLE = (
    profile(1, ("K2204",), ("nettoyage de locaux",)),
    profile(2, ("K2204",), ("nettoyage de locaux", "tri des déchets", "permis b")),
    profile(3, ("G1602",), ("plonge", "découpe")),  # nothing in common: never suggested
    profile(4, ("K2204",), ("nettoyage de locaux", "tri des déchets")),
    profile(5, ("K2202",), ("nettoyage de vitres",)),  # same ROME family, one word in common
)


def ranked_ids(result) -> list[int]:
    return [int(r.candidate_id[:8]) for r in result.ranked]


def test_more_of_the_trade_and_skills_ranks_higher_and_unrelated_people_are_not_suggested() -> None:
    result = Bm25CandidateRanker().rank(QUERY, pool(*PEOPLE), limit=20)
    assert ranked_ids(result) == [2, 4, 1, 5]
    scores = [r.score for r in result.ranked]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_the_ranking_is_deterministic_and_equal_scores_are_ordered_by_id() -> None:
    twins = [profile(n, ("K2204",), ("nettoyage de locaux",)) for n in (9, 3, 7, 1, 5)]
    shuffled = list(twins)
    random.Random(4).shuffle(shuffled)
    first = Bm25CandidateRanker().rank(QUERY, pool(*twins), limit=3)
    again = Bm25CandidateRanker().rank(QUERY, pool(*shuffled), limit=3)
    assert ranked_ids(first) == ranked_ids(again) == [1, 3, 5]
    assert [r.output for r in first.ranked] == [r.output for r in again.ranked]
    assert first.ranking_call.input_sha256 == again.ranking_call.input_sha256


def test_only_eligible_people_are_scored_and_the_limit_is_kept() -> None:
    everyone = pool(*PEOPLE, eligible=[PEOPLE[0].candidate_id, PEOPLE[4].candidate_id])
    assert ranked_ids(Bm25CandidateRanker().rank(QUERY, everyone, limit=20)) == [1, 5]
    assert ranked_ids(Bm25CandidateRanker().rank(QUERY, pool(*PEOPLE), limit=2)) == [2, 4]
    assert Bm25CandidateRanker().rank(QUERY, pool(*PEOPLE, eligible=[]), limit=5).ranked == ()


def test_the_index_is_a_sparse_matrix_built_once_per_pool_version() -> None:
    ranker = Bm25CandidateRanker()
    index = ranker.index(pool(*PEOPLE))
    assert isinstance(index, Bm25Index) and sparse.issparse(index.weights)
    assert index.weights.shape[0] == len(PEOPLE) and index.weights.nnz < index.weights.shape[0] * index.weights.shape[1]
    assert ranker.index(pool(*PEOPLE)) is index
    changed = (*PEOPLE[:4], profile(5, ("K2204",), ("nettoyage de locaux", "tri des déchets", "permis b"), version=2))
    rebuilt = ranker.index(pool(*changed))
    assert rebuilt is not index
    assert ranked_ids(ranker.rank(QUERY, pool(*changed), limit=20))[:3] == [2, 5, 4]  # 5 now ties with 2


def test_each_suggestion_records_the_model_its_output_and_a_french_rationale() -> None:
    result = Bm25CandidateRanker().rank(QUERY, pool(*PEOPLE), limit=1)
    call, (best,) = result.ranking_call, result.ranked
    assert (call.model, call.prompt_id, call.prompt_version, call.tokens_in, call.fallback_reason) == (
        MODEL, "match-bm25", "1", 0, "",
    )
    assert len(call.input_sha256) == 64 and call.latency_ms >= 0 and result.rationale_call is None
    output = json.loads(best.output)
    assert output["candidate_id"] == best.candidate_id and output["score"] == best.score
    assert "rome:K2204" in output["matched_terms"] and "skill:tri des dechets" in output["matched_terms"]
    assert best.rationale == "Dans la commune de l'offre."  # built from the criteria it was given


def test_another_query_gives_another_input_digest() -> None:
    ranker = Bm25CandidateRanker()
    one = ranker.rank(QUERY, pool(*PEOPLE), limit=5).ranking_call.input_sha256
    other = ranker.rank(RankingQuery("Plongeur", "G1602", ("plonge",), (), "Lyon"), pool(*PEOPLE), 5)
    assert other.ranking_call.input_sha256 != one
    assert ranked_ids(other) == [3]
