"""Each way Mistral can fail gives a RankingFailedError with a reason; retries are bounded; the key is never logged."""
from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from application.ranking import RankingFailedError
from infrastructure.mistral_ranker import MistralCandidateRanker
from infrastructure.settings import Settings, SettingsError
from tests.contract.fake_mistral import API_KEY, CHAT_MODES, FakeMistral
from tests.contract.test_mistral_ranker import PEOPLE, QUERY, pool

Make = Callable[..., MistralCandidateRanker]


def failure(ranker: MistralCandidateRanker) -> RankingFailedError:
    with pytest.raises(RankingFailedError) as caught:
        ranker.rank(QUERY, pool(*PEOPLE), limit=20)
    return caught.value


@pytest.mark.parametrize("endpoint", ["embeddings", "chat"])
@pytest.mark.parametrize("mode, status", [("error_500", "500"), ("error_429", "429")])
def test_a_server_error_is_retried_then_reported_with_its_status(
    make_ranker: Make, fake_mistral: FakeMistral, endpoint: str, mode: str, status: str
) -> None:
    fake_mistral.mode[endpoint] = mode
    error = failure(make_ranker(retries=2))
    assert (error.reason, str(error)) == ("api_error", f"api_error: {status}")
    assert len(fake_mistral.requests(endpoint)) == 3  # one attempt and two retries, no more


def test_one_transient_error_is_retried_and_the_ranking_goes_through(
    make_ranker: Make, fake_mistral: FakeMistral
) -> None:
    fake_mistral.mode["embeddings"] = fake_mistral.mode["chat"] = "fail_once"
    result = make_ranker(retries=1).rank(QUERY, pool(*PEOPLE), limit=20)
    assert len(result.ranked) == len(PEOPLE) and result.rationale_call is not None
    assert len(fake_mistral.requests("embeddings")) == len(fake_mistral.requests("chat")) == 2


def test_a_long_retry_after_is_not_waited_for(make_ranker: Make, fake_mistral: FakeMistral, sdk_waits: list[float]) -> None:
    fake_mistral.mode["chat"], fake_mistral.retry_after = "error_429", "30"
    assert failure(make_ranker(retries=2)).reason == "api_error"
    assert sdk_waits == [] and len(fake_mistral.requests("chat")) == 1  # the SDK alone would sleep 30 s, then retry


def test_an_authentication_error_is_not_retried(make_ranker: Make, fake_mistral: FakeMistral) -> None:
    fake_mistral.mode["embeddings"] = "error_401"
    assert str(failure(make_ranker(retries=2))) == "api_error: 401"
    assert len(fake_mistral.requests("embeddings")) == 1


@pytest.mark.parametrize("endpoint", ["embeddings", "chat"])
def test_a_slow_answer_times_out_without_retry(
    make_ranker: Make, fake_mistral: FakeMistral, endpoint: str, sdk_waits: list[float]
) -> None:
    fake_mistral.mode[endpoint] = "slow"  # it would answer, well, after the 0.5 s timeout
    assert failure(make_ranker(retries=2)).reason == "timeout"
    assert len(fake_mistral.requests(endpoint)) == 1 and sdk_waits == []  # one timeout, no pause, no second try


def test_a_refused_connection_is_retried_then_reported_unavailable(
    make_ranker: Make, closed_port_url: str, sdk_waits: list[float]
) -> None:
    assert failure(make_ranker(retries=2, server_url=closed_port_url)).reason == "unavailable"
    # Two retries, each after a pause within the configured backoff (make_ranker: at most 50 ms).
    assert len(sdk_waits) == 2 and all(0 < wait <= 0.05 for wait in sdk_waits), sdk_waits


@pytest.mark.parametrize("mode", [m for m in CHAT_MODES] + ["garbage"])
def test_a_rationale_off_the_schema_is_refused_as_invalid_output(
    make_ranker: Make, fake_mistral: FakeMistral, mode: str
) -> None:
    fake_mistral.mode["chat"] = mode
    assert failure(make_ranker()).reason == "invalid_output"
    assert len(fake_mistral.requests("chat")) == 1  # an invalid answer is not asked again


@pytest.mark.parametrize("mode", ["wrong_count", "garbage"])
def test_embeddings_off_the_api_are_refused_as_invalid_output(
    make_ranker: Make, fake_mistral: FakeMistral, mode: str
) -> None:
    fake_mistral.mode["embeddings"] = mode
    assert failure(make_ranker()).reason == "invalid_output"
    assert fake_mistral.requests("chat") == []


def test_the_api_key_is_never_logged_nor_shown(
    make_ranker: Make, fake_mistral: FakeMistral, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MISTRAL_DEBUG", "1")  # would make the SDK log request headers
    caplog.set_level(logging.DEBUG)
    ranker = make_ranker(retries=1)
    ranker.rank(QUERY, pool(*PEOPLE), limit=20)
    fake_mistral.mode["chat"] = "error_500"
    error = failure(ranker)
    assert API_KEY not in caplog.text and API_KEY not in str(error) and API_KEY not in repr(error.__cause__)
    settings = Settings.from_env({"MISTRAL_API_KEY": API_KEY, "RELAIS_DATA_DIR": "unused",
                                  "RELAIS_SECRET_KEY": "x" * 32})
    assert settings.mistral is not None and API_KEY not in repr(settings)


@pytest.mark.parametrize("url", ["http://api.mistral.ai", "ftp://127.0.0.1", "https://", "https://u:p@api.mistral.ai"])
def test_the_key_is_only_sent_over_https_or_to_this_machine(url: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"MISTRAL_API_KEY": "k", "MISTRAL_SERVER_URL": url, "RELAIS_SECRET_KEY": "x" * 32})


def test_the_settings_have_explicit_defaults() -> None:
    env = {"RELAIS_SECRET_KEY": "x" * 32}
    assert Settings.from_env(env).mistral is None  # no key: the offline AI
    mistral = Settings.from_env({**env, "MISTRAL_API_KEY": "k"}).mistral
    assert mistral is not None and (mistral.server_url, mistral.embed_model, mistral.chat_model) == (
        None, "mistral-embed", "mistral-small-latest")
    assert (mistral.timeout_ms, mistral.retries) == (8000, 2)
    with pytest.raises(SettingsError):
        Settings.from_env({**env, "MISTRAL_API_KEY": "k", "RELAIS_MISTRAL_RETRIES": "50"})
