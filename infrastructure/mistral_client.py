"""The `mistralai` SDK (3.x, transport `httpx2`) with explicit timeouts, bounded retries and no logging of secrets.

The SDK's `RetryConfig` retries 429, 5xx and refused connections with exponential backoff but
has no attempt count, only an elapsed-time budget, and it obeys any `Retry-After` as is. So its
HTTP client is wrapped (`GuardedHttpClient`): it counts the attempts of one call, ends the call on
the last one, ends it at once when the server asks to wait longer than our backoff allows, and
never retries a timeout (the interactive request's time is already spent). It also keeps the
exact body sent, so provenance digests cover what actually left the server.

Every failure becomes a `MistralCallError` with a short reason: "timeout", "unavailable",
"api_error" (detail: the HTTP status) or "invalid_output" (the answer does not match the API).
"""
from __future__ import annotations

import functools
import json
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx2
from mistralai.client import Mistral, errors, models
from mistralai.client.utils import BackoffStrategy, RetryConfig

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})  # the SDK's own list for these operations
T = TypeVar("T")


def json_answer(content: str | None, finish_reason: str, error: type[Exception]) -> Any:
    """A chat answer parsed as JSON, or `error` saying why not (cut short, not text, not JSON).

    Shared by the prompts (rationales, reply readings); each then checks its own schema."""
    if finish_reason != "stop":
        raise error(f"the answer ended with {finish_reason!r}")
    if content is None:
        raise error("the answer is not text")
    try:
        return json.loads(content)
    except ValueError:
        raise error("the answer is not JSON") from None


class MistralCallError(Exception):
    """A call to Mistral failed: timeout, refused connection, HTTP error, or an answer off the API's schema."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process (loading the CA bundle costs ~50 ms per client otherwise)."""
    return httpx2.create_ssl_context()


class _Silent:
    """The SDK's debug logger, switched off for good: with MISTRAL_DEBUG it would log the Authorization header."""

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Exchange:
    """One SDK call as the wire saw it: attempts made and the last body sent."""

    attempts: int = 0
    body: bytes = b""

    def payload(self) -> Any:
        return json.loads(self.body)


def _retry_after_ms(response: httpx2.Response) -> float:
    """How long the server asks us to wait (0: it does not say), as the SDK reads it."""
    for header, scale in (("retry-after-ms", 1.0), ("retry-after", 1000.0)):
        value = response.headers.get(header, "").strip()
        if not value:
            continue
        try:
            return float(value) * scale
        except ValueError:
            pass
        try:  # Retry-After may be an HTTP date
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds() * 1000)
        except (TypeError, ValueError):
            continue
    return 0.0


class GuardedHttpClient:
    """The SDK's `HttpClient`: an `httpx2.Client` whose calls are capped at `max_attempts` attempts."""

    def __init__(self, inner: httpx2.Client, max_attempts: int, max_wait_ms: int) -> None:
        self.inner = inner
        self.max_attempts = max_attempts
        self.max_wait_ms = max_wait_ms
        self._local = threading.local()

    @contextmanager
    def exchange(self) -> Iterator[Exchange]:
        self._local.current = current = Exchange()
        try:
            yield current
        finally:
            self._local.current = None

    def build_request(self, *args: Any, **kwargs: Any) -> httpx2.Request:
        return self.inner.build_request(*args, **kwargs)

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        exchange = getattr(self._local, "current", None) or Exchange()
        exchange.attempts += 1
        exchange.body = request.content
        last = exchange.attempts >= self.max_attempts
        try:
            response = self.inner.send(request, **kwargs)
        except httpx2.TimeoutException as error:
            raise MistralCallError("timeout", type(error).__name__) from error
        except httpx2.TransportError as error:
            if last:
                raise MistralCallError("unavailable", type(error).__name__) from error
            raise  # the SDK retries it after its backoff
        if response.status_code in RETRYABLE_STATUSES and (last or _retry_after_ms(response) > self.max_wait_ms):
            response.close()
            raise MistralCallError("api_error", str(response.status_code))
        return response

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Embedded:
    vectors: list[list[float]]
    tokens_in: int
    payload: Any  # the JSON body sent


@dataclass(frozen=True)
class ChatAnswer:
    content: str | None  # None: not a plain text answer
    finish_reason: str
    tokens_in: int
    tokens_out: int
    payload: Any  # the JSON body sent


class MistralClient:
    """What Relais asks of Mistral: embeddings and a JSON-schema chat completion."""

    def __init__(
        self, api_key: str, server_url: str | None, timeout_ms: int, retries: int,
        backoff_ms: int = 250, max_backoff_ms: int = 2000, jitter_ms: int = 100,
    ) -> None:
        self.http = GuardedHttpClient(httpx2.Client(verify=_tls(), follow_redirects=False), retries + 1, max_backoff_ms)
        budget = (retries + 1) * (timeout_ms + max_backoff_ms + jitter_ms)
        retry = RetryConfig("backoff", BackoffStrategy(backoff_ms, max_backoff_ms, 2.0, budget, jitter_ms), True)
        # The async client is never used (eventsourcing has no async API); given, so the SDK builds none.
        self.sdk = Mistral(api_key=api_key, server_url=server_url, client=self.http,
                           async_client=httpx2.AsyncClient(verify=_tls()), retry_config=retry,
                           timeout_ms=timeout_ms, debug_logger=_Silent())

    def embed(self, model: str, texts: Sequence[str]) -> Embedded:
        response, exchange = self._call(lambda: self.sdk.embeddings.create(model=model, inputs=list(texts)))
        data = sorted(response.data, key=lambda d: d.index if d.index is not None else -1)
        if [d.index for d in data] != list(range(len(texts))) or any(d.embedding is None for d in data):
            raise MistralCallError("invalid_output", f"{len(data)} embeddings for {len(texts)} texts")
        usage = response.usage
        return Embedded([list(d.embedding or ()) for d in data], usage.prompt_tokens or 0, exchange.payload())

    def chat_json(
        self, model: str, messages: list[dict[str, str]], schema_name: str, schema: dict[str, Any], max_tokens: int
    ) -> ChatAnswer:
        response_format = models.ResponseFormat(
            type="json_schema", json_schema=models.JSONSchema(name=schema_name, schema_definition=schema, strict=True)
        )
        response, exchange = self._call(lambda: self.sdk.chat.complete(
            model=model, messages=messages, response_format=response_format, temperature=0.0, random_seed=0,
            max_tokens=max_tokens,
        ))
        if len(response.choices) != 1 or response.choices[0].message is None:
            raise MistralCallError("invalid_output", f"{len(response.choices)} choices")
        choice = response.choices[0]
        content = choice.message.content if isinstance(choice.message.content, str) else None
        usage = response.usage
        return ChatAnswer(content, str(choice.finish_reason), usage.prompt_tokens or 0, usage.completion_tokens or 0,
                          exchange.payload())

    def _call(self, call: Callable[[], T]) -> tuple[T, Exchange]:
        with self.http.exchange() as exchange:
            try:
                return call(), exchange
            except MistralCallError:
                raise
            except errors.ResponseValidationError as error:  # a 200 whose body is not the API's
                raise MistralCallError("invalid_output", "the answer does not match the API schema") from error
            except errors.MistralError as error:
                raise MistralCallError("api_error", str(error.status_code)) from error
            except httpx2.TimeoutException as error:
                raise MistralCallError("timeout", type(error).__name__) from error
            except (httpx2.TransportError, errors.NoResponseError) as error:
                raise MistralCallError("unavailable", type(error).__name__) from error

    def close(self) -> None:
        self.http.close()
