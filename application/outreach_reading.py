"""Reading a reply with the configured reader, offline when it fails; the output validated in code.

A reader only classifies into the fixed schema of application/reply_reading.py: whatever a
reply says ("ignore previous instructions..."), the only effect of a reading is one of the
script's moves (domain/conversation.py). The AI stop switch is obeyed first.
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from application.reply_reading import (
    INTENTS,
    NEEDS,
    REPLY_INTERPRETATION_KIND,
    ReadingFailedError,
    ReplyReading,
    ReplyToRead,
)
from domain.matching import AiOutput

if TYPE_CHECKING:
    from application.app import Relais

log = logging.getLogger(__name__)
MAX_ANSWER = 300


class OutreachReading:
    def read_reply(self: Relais, reply: ReplyToRead) -> ReplyReading:
        """Raises AiSwitchedOffError when an administrator switched the AI off (the reply then goes unread)."""
        self.require_ai_enabled()
        if self.reply_reader is None:
            raise RuntimeError("no ReplyReader configured")
        try:
            return _checked(self.reply_reader.read(reply))
        except Exception as error:
            if self.fallback_reply_reader is None or self.fallback_reply_reader is self.reply_reader:
                raise
            reason = error.reason if isinstance(error, ReadingFailedError) else f"error:{type(error).__name__}"
            log.warning("reply reading failed (%s); reading offline", reason)
        reading = _checked(self.fallback_reply_reader.read(reply))
        return replace(reading, call=replace(reading.call, fallback_reason=reason))


def _checked(reading: object) -> ReplyReading:
    """Only a ReplyReading of the fixed schema passes; the answer is plain text, bounded."""
    if not isinstance(reading, ReplyReading):
        raise ReadingFailedError("invalid_output", "not a ReplyReading")
    if reading.intent not in INTENTS or any(n not in NEEDS for n in reading.needs):
        raise ReadingFailedError("invalid_output", "outside the schema")
    answer = " ".join(str(reading.answer).split())[:MAX_ANSWER]
    return replace(reading, needs=tuple(sorted(set(reading.needs))), answer=answer,
                   confidence=round(float(reading.confidence), 3))


def ai_output(reading: ReplyReading) -> AiOutput:
    """The reading's provenance. The answer text is personal data: it is recorded apart, encrypted."""
    call = reading.call
    output = json.dumps({"intent": reading.intent, "needs": list(reading.needs), "confidence": reading.confidence},
                        sort_keys=True)
    return AiOutput(REPLY_INTERPRETATION_KIND, call.model, call.prompt_id, call.prompt_version, call.input_sha256,
                    output, call.latency_ms, call.tokens_in, call.tokens_out, call.fallback_reason)
