"""The Mistral ranker: cosine similarity of `mistral-embed` embeddings, and a chat-written rationale for the top.

What leaves the server (docs/adr/0010-mistral.md): the offer's title, ROME code and skills, and
per eligible person a text of their ROME codes and skills only, with no id (embeddings answer in
input order); then, for the top suggestions, the criteria met and missed under per-request aliases.
Embeddings are cached by (model, text digest) in memory and in the database, so a profile is
embedded once per version. Scores are computed on a float32 matrix (unit rows, one mat-vec);
ties are ordered by id. Any failure raises `RankingFailedError`: the application then ranks offline.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict

import numpy as np

from application.criteria_text import rationale
from application.ports import Database
from application.ranking import (
    Assessment, CandidatePool, ModelCall, RankedCandidate, RankerProfile, RankingFailedError, RankingQuery,
    RankingResult, sha256_of,
)
from infrastructure import mistral_rationale as prompt
from infrastructure.embedding_cache import EmbeddingCache, normalised, text_key
from infrastructure.mistral_client import MistralCallError, MistralClient
from infrastructure.offline_ranker import top
from infrastructure.settings import MistralSettings

log = logging.getLogger(__name__)
PROMPT_ID = "match-embed"
PROMPT_VERSION = "1"
RATIONALE_TOP = 10  # rationales written by the chat model; the others get the offline sentence
BATCH_TEXTS = 64
BATCH_CHARS = 32_000
#: Memory for the people × dimensions matrices of recent requests (a repeated request is one mat-vec).
MATRIX_BYTES = 128 * 1024 * 1024


def query_text(query: RankingQuery) -> str:
    """The offer side: title, ROME code, skills (the commune is a hard filter, not a semantic fact)."""
    parts = [f"Offre : {query.title}", f"Métier (code ROME) : {query.rome_code}"]
    if query.required_skills:
        parts.append("Compétences requises : " + ", ".join(query.required_skills))
    if query.optional_skills:
        parts.append("Compétences appréciées : " + ", ".join(query.optional_skills))
    return ". ".join(parts) + "."


def profile_text(profile: RankerProfile) -> str:
    """A person's side: ROME codes and skills only. No id, name, phone, note, address, commune or date."""
    parts = ["Métiers recherchés (codes ROME) : " + ", ".join(profile.rome_codes)]
    if profile.skills:
        parts.append("Compétences : " + ", ".join(profile.skills))
    return ". ".join(parts) + "."


def batches(texts: list[str], size: int, max_chars: int) -> list[list[str]]:
    out: list[list[str]] = []
    for text in texts:
        if not out or len(out[-1]) >= size or sum(map(len, out[-1])) + len(text) > max_chars:
            out.append([])
        out[-1].append(text)
    return out


class MistralCandidateRanker:
    """`CandidateRanker` on Mistral: embeddings rank, one chat completion explains the top suggestions."""

    def __init__(
        self, client: MistralClient, embed_model: str, chat_model: str, cache: EmbeddingCache | None = None,
        rationale_top: int = RATIONALE_TOP, batch_size: int = BATCH_TEXTS, matrix_bytes: int = MATRIX_BYTES,
    ) -> None:
        self.client = client
        self.embed_model = embed_model
        self.chat_model = chat_model
        self.cache = cache if cache is not None else EmbeddingCache()
        self.rationale_top = rationale_top
        self.batch_size = batch_size
        self._matrices: OrderedDict[str, np.ndarray] = OrderedDict()  # eligible texts' digest -> unit rows
        self._matrix_bytes = matrix_bytes
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: MistralSettings, database: Database | None, **options: int
    ) -> MistralCandidateRanker:
        client = MistralClient(settings.api_key, settings.server_url, settings.timeout_ms, settings.retries)
        return cls(client, settings.embed_model, settings.chat_model, EmbeddingCache(database), **options)

    @property
    def model(self) -> str:
        return self.embed_model

    def close(self) -> None:
        self.client.close()

    def rank(self, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult:
        try:
            return self._rank(query, pool, limit)
        except MistralCallError as error:
            raise RankingFailedError(error.reason, error.detail) from error
        except prompt.RationaleError as error:
            raise RankingFailedError("invalid_output", str(error)) from error

    def _rank(self, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult:
        started = time.perf_counter()
        ids = pool.eligible_ids
        if len(ids) != len(pool.positions):
            raise ValueError("pool.positions do not match pool.eligible")
        order = sorted(range(len(ids)), key=ids.__getitem__)  # by id; assessed only once ranked
        eligible = [ids[i] for i in order]
        people = [pool.profiles[pool.positions[i]] for i in order]
        if any(p.candidate_id != candidate_id for p, candidate_id in zip(people, eligible, strict=True)):
            raise ValueError("pool.positions do not match pool.eligible")
        texts = [query_text(query)] + [profile_text(person) for person in people]
        digest = sha256_of({"model": self.embed_model, "input": texts})  # = the request made when nothing is cached
        if not eligible:
            return RankingResult((), ModelCall(self.embed_model, PROMPT_ID, PROMPT_VERSION, digest, 0))
        cosines, tokens_in = self._scores(texts)
        scores = np.round(cosines.astype(np.float64), 4)  # ranked on the scores recorded; equal ones by id
        ranked = [(pool.eligible[order[i]], float(scores[i])) for i in top(scores, np.arange(len(eligible)), limit)]
        call = ModelCall(self.embed_model, PROMPT_ID, PROMPT_VERSION, digest,
                         round((time.perf_counter() - started) * 1000), tokens_in)
        written, text_call = self._rationales(query, [a for a, _ in ranked[: self.rationale_top]])
        result = []
        for assessment, score in ranked:
            alias_text = written.get(assessment.candidate_id)
            output = json.dumps({"candidate_id": assessment.candidate_id, "score": score}, sort_keys=True)
            result.append(RankedCandidate(
                assessment.candidate_id, score,
                alias_text[1] if alias_text else rationale(assessment.met, assessment.missed), output,
                prompt.recorded(*alias_text) if alias_text else "",
            ))
        log.info("mistral ranking: %d eligible, %d ranked, %d embedding tokens", len(eligible), len(result), tokens_in)
        return RankingResult(tuple(result), call, text_call)

    def _scores(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Cosine of the offer (texts[0]) with each person (texts[1:]), and the tokens spent embedding now."""
        keys = [text_key(t) for t in texts]
        people_key = hashlib.sha256(f"{self.embed_model}\n{','.join(keys[1:])}".encode()).hexdigest()
        matrix = self._cached_matrix(people_key)
        wanted = 1 if matrix is not None else len(texts)  # with the matrix at hand, only the offer is needed
        vectors, tokens_in = self._vectors(texts[:wanted], keys[:wanted])
        if matrix is None:
            if len({vectors[k].shape for k in keys}) != 1:
                raise RankingFailedError("invalid_output", "embeddings of different dimensions")
            matrix = np.stack([vectors[k] for k in keys[1:]])
            matrix.setflags(write=False)
            self._keep_matrix(people_key, matrix)
        offer = vectors[keys[0]]
        if offer.shape != matrix.shape[1:]:
            raise RankingFailedError("invalid_output", "embeddings of different dimensions")
        return matrix @ offer, tokens_in

    def _cached_matrix(self, key: str) -> np.ndarray | None:
        with self._lock:
            matrix = self._matrices.get(key)
            if matrix is not None:
                self._matrices.move_to_end(key)
            return matrix

    def _keep_matrix(self, key: str, matrix: np.ndarray) -> None:
        if matrix.nbytes > self._matrix_bytes:
            return
        with self._lock:
            self._matrices[key] = matrix
            while sum(m.nbytes for m in self._matrices.values()) > self._matrix_bytes:
                self._matrices.popitem(last=False)

    def _vectors(self, texts: list[str], keys: list[str]) -> tuple[dict[str, np.ndarray], int]:
        wanted = dict(zip(keys, texts, strict=True))
        known = self.cache.lookup(self.embed_model, list(wanted))
        missing = [text for key, text in wanted.items() if key not in known]
        tokens_in = 0
        for batch in batches(missing, self.batch_size, BATCH_CHARS):
            embedded = self.client.embed(self.embed_model, batch)
            fresh = {}
            for text, values in zip(batch, embedded.vectors, strict=True):
                vector = normalised(values)
                if not np.isfinite(vector).all():
                    raise RankingFailedError("invalid_output", "an embedding holds non-finite numbers")
                fresh[text_key(text)] = vector
            self.cache.store(self.embed_model, fresh)
            known.update(fresh)
            tokens_in += embedded.tokens_in
        return known, tokens_in

    def _rationales(
        self, query: RankingQuery, best: list[Assessment]
    ) -> tuple[dict[str, tuple[str, str]], ModelCall | None]:
        """candidate id -> (alias, rationale) for `best`, from one JSON-schema chat completion."""
        if not best:
            return {}, None
        started = time.perf_counter()
        ids = prompt.aliases(len(best))
        answer = self.client.chat_json(
            self.chat_model, prompt.messages(query, list(zip(ids, best, strict=True))), prompt.SCHEMA_NAME,
            prompt.schema(ids), prompt.max_tokens(len(ids)),
        )
        texts = prompt.parse(answer.content, answer.finish_reason, ids)
        call = ModelCall(self.chat_model, prompt.PROMPT_ID, prompt.PROMPT_VERSION, sha256_of(answer.payload),
                         round((time.perf_counter() - started) * 1000), answer.tokens_in, answer.tokens_out)
        return {a.candidate_id: (alias, texts[alias]) for alias, a in zip(ids, best, strict=True)}, call
