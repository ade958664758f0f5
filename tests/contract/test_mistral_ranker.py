"""The Mistral ranker through the real mistralai SDK against the fake server: ranking, cache, rationale, provenance."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import numpy as np

from application.ranking import Assessment, CandidatePool, RankerProfile, RankingQuery, sha256_of
from domain.matching import CriterionCheck
from infrastructure.embedding_cache import EmbeddingCache
from infrastructure.mistral_ranker import MistralCandidateRanker, profile_text, query_text
from infrastructure.offline_ranker import MODEL as OFFLINE_MODEL
from tests.contract.fake_mistral import API_KEY, WORD, FakeMistral, cosine, embed

QUERY = RankingQuery("Agent de propreté", "K2204", ("nettoyage de locaux", "tri des déchets"), ("permis b",), "Lyon")
Make = Callable[..., MistralCandidateRanker]


def profile(n: int, rome: tuple[str, ...], skills: tuple[str, ...], version: int = 1) -> RankerProfile:
    return RankerProfile(f"{n:08d}-0000-4000-8000-000000000000", version, rome, skills, "Lyon", date(2026, 12, 1))


def assessment(candidate_id: str) -> Assessment:
    met = (CriterionCheck("skill", "nettoyage de locaux"), CriterionCheck("distance", "4.2", "20"))
    return Assessment(candidate_id, 4.2, met, (CriterionCheck("skill", "tri des déchets"),))


def pool(*profiles: RankerProfile, eligible: list[str] | None = None) -> CandidatePool:
    ordered = tuple(sorted(profiles, key=lambda p: p.candidate_id))
    ids = eligible if eligible is not None else [p.candidate_id for p in ordered]
    version = "v:" + ",".join(f"{p.candidate_id}:{p.version}" for p in ordered)
    row = {p.candidate_id: n for n, p in enumerate(ordered)}
    ids = sorted(ids)
    return CandidatePool(version, ordered, tuple(assessment(i) for i in ids), tuple(row[i] for i in ids))


PEOPLE = (
    profile(1, ("K2204",), ("nettoyage de locaux",)),
    profile(2, ("K2204",), ("nettoyage de locaux", "tri des déchets", "permis b")),
    profile(3, ("G1602",), ("plonge", "découpe des légumes")),
    profile(4, ("K2204",), ("nettoyage de locaux", "tri des déchets")),
    profile(5, ("K2202",), ("nettoyage de vitres",)),
)


def number(candidate_id: str) -> int:
    return int(candidate_id[:8])


def test_people_are_ranked_by_the_cosine_of_their_embeddings_best_first(make_ranker: Make) -> None:
    result = make_ranker().rank(QUERY, pool(*PEOPLE), limit=20)
    offer = embed(query_text(QUERY))
    expected = sorted(PEOPLE, key=lambda p: (-round(cosine(offer, embed(profile_text(p))), 4), p.candidate_id))
    assert [r.candidate_id for r in result.ranked] == [p.candidate_id for p in expected]
    assert [number(r.candidate_id) for r in result.ranked][:2] == [2, 4]  # the most skills in common
    for ranked, person in zip(result.ranked, expected, strict=True):
        assert np.isclose(ranked.score, cosine(offer, embed(profile_text(person))), atol=1e-4)
        assert json.loads(ranked.output) == {"candidate_id": ranked.candidate_id, "score": ranked.score}


def test_equal_scores_are_ordered_by_id_and_the_limit_and_eligibility_are_kept(make_ranker: Make) -> None:
    twins = [profile(n, ("K2204",), ("nettoyage de locaux",)) for n in (9, 3, 7, 1, 5)]
    result = make_ranker().rank(QUERY, pool(*twins), limit=3)
    assert [number(r.candidate_id) for r in result.ranked] == [1, 3, 5]
    only = pool(*PEOPLE, eligible=[PEOPLE[0].candidate_id, PEOPLE[2].candidate_id])
    assert {number(r.candidate_id) for r in make_ranker().rank(QUERY, only, limit=20).ranked} == {1, 3}


def test_only_eligible_profiles_are_sent_and_without_any_id(make_ranker: Make, fake_mistral: FakeMistral) -> None:
    make_ranker().rank(QUERY, pool(*PEOPLE, eligible=[PEOPLE[1].candidate_id]), limit=20)
    (request,) = fake_mistral.requests("embeddings")
    assert request.json() == {"model": "mistral-embed", "input": [query_text(QUERY), profile_text(PEOPLE[1])]}
    everything = b"".join(r.body for r in fake_mistral.received).decode()
    assert not any(p.candidate_id in everything or p.candidate_id[:8] in everything for p in PEOPLE)
    assert "plonge" not in everything  # an ineligible person's profile stays here
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_embeddings_are_computed_once_per_profile_version(make_ranker: Make, fake_mistral: FakeMistral) -> None:
    ranker = make_ranker()
    first = ranker.rank(QUERY, pool(*PEOPLE), limit=20)
    assert len(fake_mistral.requests("embeddings")) == 1 and first.ranking_call.tokens_in > 0
    fake_mistral.clear()
    again = ranker.rank(QUERY, pool(*PEOPLE), limit=20)
    assert fake_mistral.requests("embeddings") == [] and again.ranking_call.tokens_in == 0
    assert [r.candidate_id for r in again.ranked] == [r.candidate_id for r in first.ranked]
    assert len(fake_mistral.requests("chat")) == 1  # the rationale is written for each request

    changed = profile(3, ("K2204",), ("nettoyage de locaux", "tri des déchets", "permis b", "autonomie"), version=2)
    ranker.rank(QUERY, pool(*PEOPLE[:2], changed, *PEOPLE[3:]), limit=20)
    (request,) = fake_mistral.requests("embeddings")
    assert request.json()["input"] == [profile_text(changed)]  # only the new version; the offer is cached too

    fake_mistral.clear()
    make_ranker(cache=ranker.cache, embed_model="mistral-embed-2312").rank(QUERY, pool(*PEOPLE), limit=20)
    (request,) = fake_mistral.requests("embeddings")  # the cache key holds the model: another model embeds again
    assert request.json()["model"] == "mistral-embed-2312" and len(request.json()["input"]) == len(PEOPLE) + 1


def test_the_in_memory_cache_is_bounded(make_ranker: Make, fake_mistral: FakeMistral) -> None:
    cache = EmbeddingCache(max_entries=3)
    make_ranker(cache=cache).rank(QUERY, pool(*PEOPLE), limit=20)
    assert len(cache) == 3


def test_embedding_calls_are_batched(make_ranker: Make, fake_mistral: FakeMistral) -> None:
    make_ranker(batch_size=2).rank(QUERY, pool(*PEOPLE), limit=20)
    sizes = [len(r.json()["input"]) for r in fake_mistral.requests("embeddings")]
    assert sizes == [2, 2, 2]


def test_the_rationale_of_the_top_suggestions_comes_from_the_json_schema_answer(
    make_ranker: Make, fake_mistral: FakeMistral
) -> None:
    result = make_ranker(rationale_top=2).rank(QUERY, pool(*PEOPLE), limit=4)
    (request,) = fake_mistral.requests("chat")
    sent = request.json()
    assert sent["model"] == "mistral-small-latest" and sent["temperature"] == 0
    fmt = sent["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["properties"]["justifications"]["items"]["properties"]["id"]["enum"] == [
        "p1", "p2"]
    people = json.loads(sent["messages"][-1]["content"])["personnes"]
    assert people[0] == {"id": "p1", "criteres_remplis": [
                             "Compétence : nettoyage de locaux",
                             "À 4,2 km (limite retenue : 20 km, le plus court du rayon de mobilité de la personne "
                             "et de la distance maximale demandée)"],
                         "criteres_manques": ["Compétence manquante : tri des déchets"]}

    top, second, *rest = result.ranked
    assert top.rationale == "Proposé par le test : 2 critères remplis, 1 manqués."
    assert json.loads(top.rationale_output) == {"id": "p1", "texte": top.rationale}
    assert json.loads(second.rationale_output)["id"] == "p2"
    assert all(r.rationale_output == "" and r.rationale.startswith("Compétences présentes") for r in rest)
    call = result.rationale_call
    assert call is not None and (call.model, call.prompt_id, call.prompt_version) == (
        "mistral-small-latest", "match-rationale", "2")
    assert call.tokens_in == len(json.dumps(sent)) // 4  # the fake's usage.prompt_tokens
    assert call.tokens_out > 0 and call.latency_ms >= 0


def test_the_recorded_digests_are_those_of_the_bodies_the_server_received(
    make_ranker: Make, fake_mistral: FakeMistral
) -> None:
    ranker = make_ranker()
    result = ranker.rank(QUERY, pool(*PEOPLE), limit=20)
    (embedding,) = fake_mistral.requests("embeddings")
    (chat,) = fake_mistral.requests("chat")
    assert result.ranking_call.input_sha256 == sha256_of(embedding.json())
    assert result.rationale_call is not None and result.rationale_call.input_sha256 == sha256_of(chat.json())
    assert (result.ranking_call.model, result.ranking_call.prompt_id) == ("mistral-embed", "match-embed")
    assert result.ranking_call.tokens_in == sum(len(WORD.findall(t)) for t in embedding.json()["input"])
    # From the cache, the same input gives the same digest: it names what the ranking rests on.
    again = ranker.rank(QUERY, pool(*PEOPLE), limit=20)
    assert again.ranking_call.input_sha256 == result.ranking_call.input_sha256
    assert result.ranking_call.model != OFFLINE_MODEL and result.ranking_call.fallback_reason == ""
