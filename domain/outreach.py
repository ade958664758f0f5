"""Outreach: contacting an offer's shortlisted people by SMS, once an advisor approved it.

Nothing is sent before `Approved` (recipients and exact text). Each message is recorded as
attempted BEFORE the provider is called, and the provider's answer after, so a crash in
between is reconciled rather than resent. Conversation rules live in domain/conversation.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.conversation import (
    CLOSED,
    FIRST_CONTACT,
    HANDED_OFF,
    QUESTIONS,
    STOP_CONFIRMATION,
    AWAITING_REPLY,
    Conversation,
    FollowUpPolicy,
    MessageState,
    base_step,
    follow_up_after,
    is_give_up,
    status_after_give_up,
)
from domain.errors import InvalidValueError, OutreachRuleError
from domain.matching import AiOutput
from domain.outreach_replies import OutreachReplies
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason

MAX_TEXT = 640  # four SMS segments
MAX_RECIPIENTS = 5000
#: The order a message moves through provider statuses (application/sms.py keeps the same list).
_RANK = {"attempted": 0, "retry": 0, "queued": 1, "sent": 2, "delivered": 6, "undelivered": 6, "failed": 6}


def validated_text(text: str, field: str = "text") -> str:
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise InvalidValueError({field: "Le message est obligatoire."})
    if len(text) > MAX_TEXT:
        raise InvalidValueError({field: f"Le message fait au plus {MAX_TEXT} caractères."})
    if "STOP" not in text:
        raise InvalidValueError({field: "Le message doit dire comment ne plus être contacté (STOP)."})
    if "automatique" not in text.casefold():
        # AI Act Art. 50: people must know they are talking with an automated system.
        raise InvalidValueError({field: "Le message doit dire que la conversation est automatique "
                                        "(par exemple « Messages automatiques »)."})
    return text


class Outreach(OutreachReplies, Aggregate):
    """An SMS campaign about one offer, and one conversation per recipient."""

    @classmethod
    def approve(
        cls, offer_id: UUID, agency_id: str, offer_title: str, recipients: tuple[UUID, ...], text: str,
        requirement: str, provenance: Provenance, timestamp: datetime,
    ) -> Outreach:
        """Created and approved at once: the advisor's approval names the recipients and the exact text."""
        if not recipients:
            raise InvalidValueError({"recipients": "Choisissez au moins une personne."})
        if len(set(recipients)) != len(recipients) or len(recipients) > MAX_RECIPIENTS:
            raise InvalidValueError({"recipients": "Liste de destinataires invalide."})
        text = validated_text(text)
        if len(requirement) > 200:
            raise InvalidValueError({"requirement": "L'exigence fait au plus 200 caractères."})
        outreach = cls(offer_id, agency_id, provenance, timestamp)
        outreach._approve(provenance.actor_id, tuple(recipients), text, offer_title, requirement.strip(), provenance,
                          timestamp)
        for candidate_id in recipients:
            outreach._schedule(candidate_id, FIRST_CONTACT, timestamp, provenance, timestamp)
        return outreach

    @event("Created")
    def __init__(self, offer_id: UUID, agency_id: str, provenance: Provenance, timestamp: datetime) -> None:
        self.offer_id = offer_id
        self.agency_id = agency_id
        self.approved = False
        self.text = ""
        self.offer_title = ""
        self.requirement = ""
        self.approved_by = ""
        self.conversations: dict[UUID, Conversation] = {}
        self.messages: dict[str, MessageState] = {}
        self.replies: set[str] = set()  # provider ids of the replies received (a redelivery is harmless)

    @event("Approved")
    def _approve(self, advisor_id: str, recipients: tuple[UUID, ...], text: str, offer_title: str, requirement: str,
                 provenance: Provenance, timestamp: datetime) -> None:
        self.approved = True
        self.text = text
        self.offer_title = offer_title
        self.requirement = requirement
        self.approved_by = advisor_id
        self.conversations = {c: Conversation(c) for c in recipients}

    # Sending ------------------------------------------------------------------------------

    def conversation(self, candidate_id: UUID) -> Conversation:
        try:
            return self.conversations[candidate_id]
        except KeyError:
            raise OutreachRuleError("Cette personne n'est pas destinataire de cette prise de contact.") from None

    def is_due(self, candidate_id: UUID, step: str, now: datetime) -> bool:
        conversation = self.conversations.get(candidate_id)
        return (conversation is not None and conversation.pending_step == step
                and conversation.pending_due is not None and conversation.pending_due <= now)

    def record_attempt(self, candidate_id: UUID, step: str, message_id: str, body: str, policy: FollowUpPolicy,
                       provenance: Provenance, timestamp: datetime) -> None:
        """Record that the message is about to go out; its follow-up is scheduled at the same time."""
        if not self.approved:
            raise OutreachRuleError("Rien n'est envoyé avant l'approbation du conseiller.")
        conversation = self.conversation(candidate_id)
        known = self.messages.get(message_id)
        if known is not None and known.status != "retry":
            raise OutreachRuleError("Ce message a déjà été tenté : il se réconcilie, il ne se renvoie pas.")
        if step == STOP_CONFIRMATION:
            self._attempt(candidate_id, step, message_id, body, provenance, timestamp)
            return
        if conversation.closed or conversation.pending_step != step:
            raise OutreachRuleError("Ce message n'est pas dû.")
        self._attempt(candidate_id, step, message_id, body, provenance, timestamp)
        follow_up = follow_up_after(step, policy)
        self._schedule(candidate_id, follow_up, timestamp + timedelta(hours=policy.delay_hours), provenance,
                       timestamp)

    @event("MessageAttempted")
    def _attempt(self, candidate_id: UUID, step: str, message_id: str, body: str, provenance: Provenance,
                 timestamp: datetime) -> None:
        known = self.messages.get(message_id)
        if known is not None:
            known.status, known.attempts, known.attempted_at = "attempted", known.attempts + 1, timestamp
        else:
            self.messages[message_id] = MessageState(candidate_id, step, body, timestamp)
        conversation = self.conversations[candidate_id]
        if step != STOP_CONFIRMATION:
            conversation.step = base_step(step)
            if conversation.status == "scheduled":
                conversation.status = AWAITING_REPLY
            conversation.pending_step, conversation.pending_due = "", None

    def reattempt(self, message_id: str, provenance: Provenance, timestamp: datetime) -> None:
        """The provider never got an attempt left unanswered (a crash): it goes again, on record first,
        so that of two processes reconciling it at once, the second one's save is stale and sends nothing."""
        if self.unanswered(message_id) is None:
            raise OutreachRuleError("Ce message n'attend pas de réconciliation.")
        self._reattempted(message_id, provenance, timestamp)

    @event("MessageReattempted")
    def _reattempted(self, message_id: str, provenance: Provenance, timestamp: datetime) -> None:
        message = self.messages[message_id]
        message.attempts, message.attempted_at = message.attempts + 1, timestamp

    def unanswered(self, message_id: str) -> MessageState | None:
        """A message attempted with no answer of the provider recorded (to reconcile)."""
        message = self.messages.get(message_id)
        return message if message is not None and message.status == "attempted" else None

    def record_provider_answer(self, message_id: str, provider_message_id: str, status: str, reconciled: bool,
                               provenance: Provenance, timestamp: datetime) -> None:
        if self.unanswered(message_id) is None:
            return  # already answered: a retry has one effect
        self._answered(message_id, provider_message_id, status, reconciled, provenance, timestamp)

    @event("MessageAnswered")
    def _answered(self, message_id: str, provider_message_id: str, status: str, reconciled: bool,
                  provenance: Provenance, timestamp: datetime) -> None:
        message = self.messages[message_id]
        message.provider_message_id, message.status = provider_message_id, status

    def record_send_failure(self, message_id: str, reason: str, retry_at: datetime | None,
                            provenance: Provenance, timestamp: datetime) -> None:
        """The provider refused or could not be reached. Retryable: sent again (same id) at `retry_at`."""
        message = self.unanswered(message_id)
        if message is None:
            return
        self._failed(message_id, reason, retry_at is not None, provenance, timestamp)
        if message.step == STOP_CONFIRMATION:
            return
        if retry_at is not None:
            self._schedule(message.candidate_id, message.step, retry_at, provenance, timestamp)
        else:  # refused for good (e.g. an invalid number): no reminder will do better, the advisor takes over
            self.hand_to_advisor(message.candidate_id, "send_failed", provenance, timestamp)

    @event("MessageFailed")
    def _failed(self, message_id: str, reason: str, retryable: bool, provenance: Provenance,
                timestamp: datetime) -> None:
        self.messages[message_id].status = "retry" if retryable else "failed"

    def record_status(self, message_id: str, status: str, error_code: str, provenance: Provenance,
                      timestamp: datetime) -> bool:
        """A delivery status callback; late or out-of-order ones never move a message backwards."""
        message = self.messages.get(message_id)
        if message is None or status not in _RANK or _RANK[status] <= _RANK.get(message.status, 0):
            return False
        self._status_changed(message_id, status, error_code, provenance, timestamp)
        return True

    @event("DeliveryStatusChanged")
    def _status_changed(self, message_id: str, status: str, error_code: str, provenance: Provenance,
                        timestamp: datetime) -> None:
        self.messages[message_id].status = status

    def give_up(self, candidate_id: UUID, step: str, provenance: Provenance, timestamp: datetime) -> None:
        """No reply after the last reminder: "sans réponse" (or an unfinished questionnaire)."""
        conversation = self.conversation(candidate_id)
        if not is_give_up(step) or conversation.pending_step != step:
            raise OutreachRuleError("Ce suivi n'est pas dû.")
        self._move(candidate_id, status_after_give_up(step), provenance, timestamp)

    # Replies: events (the rules are in domain/outreach_replies.py) -----------------------

    @event("ReplyReceived")
    def _reply_received(self, candidate_id: UUID, provider_message_id: str, step: str, text: PersonalData,
                        provenance: Provenance, timestamp: datetime) -> None:
        self.replies.add(provider_message_id)
        conversation = self.conversations[candidate_id]
        conversation.pending_step, conversation.pending_due = "", None  # a reply stops the reminders

    @event("ReplyInterpreted")
    def _interpreted(self, candidate_id: UUID, provider_message_id: str, suggestion_id: UUID, step: str,
                     intent: str, needs: tuple[str, ...], confidence: float, low_confidence: bool,
                     answer: PersonalData, ai: AiOutput, provenance: Provenance, timestamp: datetime) -> None:
        conversation = self.conversations[candidate_id]
        conversation.readings.add(str(suggestion_id))
        if intent not in ("question", "not_interested") and step in QUESTIONS:
            conversation.answers[step] = answer

    @event("ReadingCorrected")
    def _corrected(self, candidate_id: UUID, suggestion_id: UUID, intent: str, needs: tuple[str, ...],
                   note: PersonalData, provenance: Provenance, timestamp: datetime) -> None:
        pass

    @event("HandedToAdvisor")
    def _handed(self, candidate_id: UUID, reason: str, provenance: Provenance, timestamp: datetime) -> None:
        conversation = self.conversations[candidate_id]
        conversation.status, conversation.pending_step, conversation.pending_due = HANDED_OFF, "", None

    @event("Concluded")
    def _concluded(self, candidate_id: UUID, outcome: str, reason: Reason | None, reason_text: PersonalData | None,
                   provenance: Provenance, timestamp: datetime) -> None:
        conversation = self.conversations[candidate_id]
        conversation.outcome = outcome
        conversation.pending_step, conversation.pending_due = "", None
        if conversation.status not in CLOSED:
            conversation.status = HANDED_OFF

    # Shared events ------------------------------------------------------------------------

    @event("FollowUpScheduled")
    def _schedule(self, candidate_id: UUID, step: str, due_at: datetime, provenance: Provenance,
                  timestamp: datetime) -> None:
        conversation = self.conversations[candidate_id]
        conversation.pending_step, conversation.pending_due = step, due_at

    @event("ConversationMoved")
    def _move(self, candidate_id: UUID, status: str, provenance: Provenance, timestamp: datetime) -> None:
        conversation = self.conversations[candidate_id]
        conversation.status = status
        if status in CLOSED:
            conversation.pending_step, conversation.pending_due = "", None
