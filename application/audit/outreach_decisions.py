"""An outreach as an auditor reads it: the approval, then per person each SMS reply beside the
AI's reading of it, as recorded, and any correction of that reading by an advisor.

Built on `pair()` (application/audit/decisions.py) with one more rule: the reading
(`Outreach.ReplyInterpreted`) is the AI output, its `suggestion_id` is what a correction
(`Outreach.ReadingCorrected`) refers to. A reading is tied to its reply by the provider's message id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.audit.decisions import Decision, Pair, PairingRule, pair
from application.audit.timeline import AiOutputView, TimelineEntry, entry_of
from application.audit.state import text_of

OUTREACH_READINGS = PairingRule(
    "Outreach.ReplyInterpreted", "suggestion_id", {"Outreach.ReadingCorrected": "corrected"},
)


@dataclass(frozen=True)
class Correction:
    """What the advisor said the reply meant, and who said it when (`decision.entry`)."""

    intent: str
    needs: tuple[str, ...]
    note: str  # decrypted, or "[effacé]"
    decision: Decision


@dataclass(frozen=True)
class Reading:
    """The AI's reading of one reply, as recorded: never re-asked."""

    suggestion_id: str
    intent: str
    needs: tuple[str, ...]
    confidence: float
    low_confidence: bool
    answer: str  # the answer the reader took from the reply (personal data: decrypted, or "[effacé]")
    ai_outputs: list[AiOutputView]
    entry: TimelineEntry
    corrections: list[Correction]


@dataclass(frozen=True)
class ReplyBeside:
    received: TimelineEntry
    step: str  # the scripted step the reply answered
    text: str  # decrypted, or "[effacé]"
    readings: list[Reading] = field(default_factory=list)  # none when the AI was off or the reply asked for a person


@dataclass(frozen=True)
class HandOff:
    reason: str  # one of HANDOFF_REASONS (domain/conversation.py)
    entry: TimelineEntry


@dataclass(frozen=True)
class PersonReplies:
    candidate_id: str
    replies: list[ReplyBeside] = field(default_factory=list)
    hand_offs: list[HandOff] = field(default_factory=list)
    conclusion: TimelineEntry | None = None


@dataclass(frozen=True)
class OutreachDecisions:
    outreach_id: str
    offer_id: str
    agency_id: str
    offer_title: str
    approval: TimelineEntry | None  # who approved, when (the advisor is also `approved_by`)
    approved_by: str
    text: str  # the exact first message approved
    people: list[PersonReplies]

    @property
    def candidate_ids(self) -> set[str]:
        return {p.candidate_id for p in self.people}

    @property
    def actor_ids(self) -> set[str]:
        ids = {self.approved_by} | ({self.approval.actor_id} if self.approval else set())
        for person in self.people:
            ids |= {c.decision.entry.actor_id for r in person.replies for g in r.readings for c in g.corrections}
            ids |= {h.entry.actor_id for h in person.hand_offs}
            ids |= {person.conclusion.actor_id} if person.conclusion else set()
        return ids


def _reading(found: Pair) -> Reading:
    event = found.event
    corrections = [Correction(d.entry.fields.get("intent", ""), _needs(d.entry.fields.get("needs", "")),
                              d.entry.fields.get("note", ""), d) for d in found.decisions]
    return Reading(found.key, event.intent, tuple(event.needs), float(event.confidence), bool(event.low_confidence),
                   text_of(event.answer), found.output.ai_outputs, found.output, corrections)


def _needs(flat: str) -> tuple[str, ...]:
    return tuple(n for n in flat.split(", ") if n)


def outreach_decisions(outreach_id: UUID, events: list[Any]) -> OutreachDecisions:
    """Recipients in the approved order; each person's replies in log order, each with its readings."""
    readings: dict[tuple[str, str], list[Reading]] = {}
    for found in pair(events, OUTREACH_READINGS):
        key = (str(found.event.candidate_id), found.event.provider_message_id)
        readings.setdefault(key, []).append(_reading(found))
    people: dict[str, PersonReplies] = {}
    head: dict[str, Any] = {"offer_id": "", "agency_id": "", "offer_title": "", "approval": None,
                            "approved_by": "", "text": ""}
    for event in events:
        kind = type(event).__qualname__
        person = people.get(str(getattr(event, "candidate_id", "")))
        if kind == "Outreach.Created":
            head.update(offer_id=str(event.offer_id), agency_id=event.agency_id)
        elif kind == "Outreach.Approved":
            head.update(offer_title=event.offer_title, approval=entry_of(event), approved_by=event.advisor_id,
                        text=event.text)
            people = {str(c): PersonReplies(str(c)) for c in event.recipients}
        elif kind == "Outreach.ReplyReceived" and person is not None:
            person.replies.append(ReplyBeside(entry_of(event), event.step, text_of(event.text),
                                              readings.get((person.candidate_id, event.provider_message_id), [])))
        elif kind == "Outreach.HandedToAdvisor" and person is not None:
            person.hand_offs.append(HandOff(event.reason, entry_of(event)))
        elif kind == "Outreach.Concluded" and person is not None:
            people[person.candidate_id] = PersonReplies(person.candidate_id, person.replies, person.hand_offs,
                                                        entry_of(event))
    return OutreachDecisions(str(outreach_id), people=list(people.values()), **head)
