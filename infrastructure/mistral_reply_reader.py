"""`MistralReplyReader`: the `ReplyReader` port on a Mistral chat model with a JSON-schema answer.

It reuses `MistralClient` (explicit timeout, bounded retries of 429/5xx/refused connections, no
retry of a timeout, the exact body sent kept for provenance). Every failure, including an answer
off the schema, raises `ReadingFailedError(reason)`; the application then reads the reply offline.
The caller checks the AI stop switch (`require_ai_enabled`) before reading.
"""
from __future__ import annotations

import time

from application.ranking import ModelCall, sha256_of
from application.reply_reading import ReadingFailedError, ReplyReading, ReplyToRead
from infrastructure import mistral_reply_prompt as prompt
from infrastructure.mistral_client import MistralCallError, MistralClient
from infrastructure.settings import MistralSettings


class MistralReplyReader:
    def __init__(self, client: MistralClient, chat_model: str) -> None:
        self.client = client
        self.chat_model = chat_model

    @classmethod
    def from_settings(cls, settings: MistralSettings) -> MistralReplyReader:
        client = MistralClient(settings.api_key, settings.server_url, settings.timeout_ms, settings.retries)
        return cls(client, settings.chat_model)

    @property
    def model(self) -> str:
        return self.chat_model

    def close(self) -> None:
        self.client.close()

    def read(self, reply: ReplyToRead) -> ReplyReading:
        started = time.perf_counter()
        try:
            answer = self.client.chat_json(self.chat_model, prompt.messages(reply), prompt.SCHEMA_NAME,
                                           prompt.schema(), prompt.MAX_TOKENS)
            intent, needs, confidence, text = prompt.parse(answer.content, answer.finish_reason)
        except MistralCallError as error:
            raise ReadingFailedError(error.reason, error.detail) from error
        except prompt.ReplyAnswerError as error:
            raise ReadingFailedError("invalid_output", str(error)) from error
        call = ModelCall(self.chat_model, prompt.PROMPT_ID, prompt.PROMPT_VERSION, sha256_of(answer.payload),
                         round((time.perf_counter() - started) * 1000), answer.tokens_in, answer.tokens_out)
        return ReplyReading(intent, needs, confidence, text, call)
