"""Fixtures of the contract suite: a fake Mistral server per test and rankers pointed at it."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from infrastructure.embedding_cache import EmbeddingCache
from infrastructure.mistral_client import MistralClient
from infrastructure.mistral_ranker import MistralCandidateRanker
from tests.contract.fake_mistral import API_KEY, FakeMistral

TIMEOUT_MS = 500  # the fake's "slow" mode answers after 1.5 s


@pytest.fixture
def fake_mistral() -> Iterator[FakeMistral]:
    server = FakeMistral().start()
    yield server
    server.stop()


@pytest.fixture
def sdk_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each pause (seconds) the mistralai SDK's retry loop asks for, recorded instead of slept: a test
    says how long the client would wait, and how often it retries, without timing anything."""
    from mistralai.client.utils import retries

    waits: list[float] = []
    monkeypatch.setattr(retries, "time", SimpleNamespace(time=time.time, sleep=waits.append))
    return waits


@pytest.fixture
def closed_port_url() -> str:
    """An http://127.0.0.1 address where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def make_ranker(fake_mistral: FakeMistral) -> Iterator[Callable[..., MistralCandidateRanker]]:
    """The real SDK through MistralCandidateRanker, with test timeouts and a quick backoff."""
    built: list[MistralCandidateRanker] = []

    def make(
        retries: int = 2, server_url: str | None = None, cache: EmbeddingCache | None = None,
        embed_model: str = "mistral-embed", **options: Any,
    ) -> MistralCandidateRanker:
        client = MistralClient(API_KEY, server_url or fake_mistral.url, TIMEOUT_MS, retries,
                               backoff_ms=10, max_backoff_ms=50, jitter_ms=0)
        cache = cache if cache is not None else EmbeddingCache()
        ranker = MistralCandidateRanker(client, embed_model, "mistral-small-latest", cache, **options)
        built.append(ranker)
        return ranker

    yield make
    for ranker in built:
        ranker.close()
