"""What the AI reads in a job seeker's SMS reply: a fixed schema, validated in code.

Replies are untrusted input. A reader only classifies; nothing in a reply can make Relais
send, approve, change criteria or reveal data (docs/adr: outreach).
"""
from __future__ import annotations

from dataclasses import dataclass

from application.ranking import ModelCall
# Re-exported: the readers and the web read the domain's closed lists from here.
from domain.outreach_replies import INTENTS as INTENTS
from domain.outreach_replies import NEEDS as NEEDS
REPLY_INTERPRETATION_KIND = "reply_interpretation"
#: Readings below this confidence are flagged for the advisor.
LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class ReplyToRead:
    """The pseudonymised input of a reading: the reply and the scripted question it answers.

    No name, phone, email or address of the person: only what they wrote and the context.
    """

    text: str
    question_key: str  # the scripted step the reply answers ("first_contact", "availability", ...)
    question_text: str
    offer_title: str
    #: Words a reader must mask in `text` before it leaves the server (the person's names, as they
    #: may sign a reply). Never sent themselves.
    mask: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplyReading:
    """One validated reading. `answer` is the reply's answer to the scripted question, if any."""

    intent: str
    needs: tuple[str, ...]
    confidence: float
    answer: str
    call: ModelCall

    def __post_init__(self) -> None:
        if self.intent not in INTENTS:
            raise ValueError(f"unknown intent {self.intent!r}")
        if any(need not in NEEDS for need in self.needs):
            raise ValueError(f"unknown need in {self.needs!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError("confidence must be between 0 and 1")

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


class ReadingFailedError(Exception):
    """The model could not read the reply (timeout, error, invalid output): the offline reader replaces it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
