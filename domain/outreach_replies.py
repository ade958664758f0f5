"""Replies and the advisor's decisions in an outreach: the rules, mixed into `Outreach`.

The events are declared on `Outreach` itself, so that their stored topics are
`domain.outreach:Outreach.<Event>` (the names the audit reads).
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.conversation import DISCARD_REASONS, HANDED_OFF, HANDOFF_REASONS, OPTED_OUT, OUTCOMES, move_after_reply
from domain.errors import InvalidValueError, OutreachRuleError
from domain.matching import AiOutput
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason

#: What a reading of a reply may say (the AI's and the advisor's alike): closed lists, so that the oversight
#: figures can count them and nothing a reply holds can slip into the log as a "need".
INTENTS = ("interested", "not_interested", "question", "unclear")
NEEDS = ("transport", "childcare", "training", "schedule")


def check_reading(intent: str, needs: tuple[str, ...]) -> None:
    errors = {}
    if intent not in INTENTS:
        errors["intent"] = "Lecture inconnue : choisissez-en une dans la liste."
    if any(need not in NEEDS for need in needs):
        errors["needs"] = "Besoin inconnu : cochez seulement les besoins proposés."
    if errors:
        raise InvalidValueError(errors)


class OutreachReplies:
    """Mixed into Outreach, which provides `conversation`, `replies` and the `_<event>` methods."""

    def receive_reply(self, candidate_id: UUID, provider_message_id: str, text: PersonalData,
                      provenance: Provenance, timestamp: datetime) -> bool:
        """Record a reply; False (nothing recorded) if this provider message was already received."""
        conversation = self.conversation(candidate_id)
        if provider_message_id in self.replies:
            return False
        if text.subject_id != str(candidate_id):
            raise ValueError("a reply is personal data of the person who wrote it")
        self._reply_received(candidate_id, provider_message_id, conversation.step, text, provenance, timestamp)
        return True

    def interpret_reply(self, candidate_id: UUID, provider_message_id: str, suggestion_id: UUID, intent: str,
                        needs: tuple[str, ...], confidence: float, answer: PersonalData, ai: AiOutput,
                        provenance: Provenance, timestamp: datetime) -> None:
        """Record the AI's reading (a suggestion) and move the conversation as the script says."""
        conversation = self.conversation(candidate_id)
        if provider_message_id not in self.replies:
            raise OutreachRuleError("Réponse inconnue.")
        # A reply after the conversation ended answers no scripted question any more.
        step = conversation.step if not conversation.closed else "after_end"
        self._interpreted(candidate_id, provider_message_id, suggestion_id, step, intent, needs, confidence,
                          confidence < 0.6, answer, ai, provenance, timestamp)
        if conversation.closed:
            return  # e.g. already handed to the advisor: the reading is shown, nothing moves
        move = move_after_reply(step, intent)
        if move.handoff:
            self.hand_to_advisor(candidate_id, move.handoff, provenance, timestamp)
            return
        self._move(candidate_id, move.status, provenance, timestamp)
        if move.next_step:
            self._schedule(candidate_id, move.next_step, timestamp, provenance, timestamp)

    def correct_reading(self, candidate_id: UUID, suggestion_id: UUID, intent: str, needs: tuple[str, ...],
                        note: PersonalData, provenance: Provenance, timestamp: datetime) -> None:
        """The advisor's correction of a reading: recorded beside it, referencing its suggestion id."""
        if str(suggestion_id) not in self.conversation(candidate_id).readings:
            raise OutreachRuleError("Lecture inconnue pour cette personne.")
        check_reading(intent, needs)
        self._corrected(candidate_id, suggestion_id, intent, needs, note, provenance, timestamp)

    def hand_to_advisor(self, candidate_id: UUID, reason: str, provenance: Provenance, timestamp: datetime) -> None:
        if reason not in HANDOFF_REASONS:
            raise ValueError(f"unknown hand-off reason {reason!r}")
        if self.conversation(candidate_id).status in (HANDED_OFF, OPTED_OUT):
            return
        self._handed(candidate_id, reason, provenance, timestamp)

    def stop(self, candidate_id: UUID, provenance: Provenance, timestamp: datetime) -> None:
        """The person opted out (here or elsewhere): no automated message any more."""
        if self.conversation(candidate_id).status != OPTED_OUT:
            self._move(candidate_id, OPTED_OUT, provenance, timestamp)

    def conclude(self, candidate_id: UUID, outcome: str, reason: Reason | None, provenance: Provenance,
                 timestamp: datetime) -> None:
        """The advisor marks the person "mis en relation" (introduced) or "écarté" with a reason."""
        if outcome not in OUTCOMES:
            raise InvalidValueError({"outcome": "Issue inconnue."})
        if outcome == "discarded":
            if reason is None:
                raise InvalidValueError({"reason": "Indiquez le motif."})
            reason.require_in(DISCARD_REASONS)
        self.conversation(candidate_id)
        text = PersonalData(str(candidate_id), reason.text) if reason and reason.text.strip() else None
        self._concluded(candidate_id, outcome, Reason(reason.code) if reason else None, text, provenance, timestamp)
