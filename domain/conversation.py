"""One person's SMS conversation in an outreach: the scripted steps and how a reply moves it.

Pure rules, no I/O: the `Outreach` aggregate records the events, this module says which.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.personal_data import PersonalData

FIRST_CONTACT = "first_contact"
STOP_CONFIRMATION = "stop_confirmation"
#: The scripted questions asked, in order, to an interested person.
QUESTIONS = ("availability", "mobility", "hours", "salary", "requirement")
REMINDER = ".rappel"
GIVE_UP = ".fin"

# Conversation statuses (labels in web/outreach_labels.py).
SCHEDULED = "scheduled"  # approved, first message not sent yet
AWAITING_REPLY = "awaiting_reply"  # first message sent
QUESTIONNAIRE = "questionnaire"  # interested, answering the scripted questions
COMPLETED = "completed"  # interested, every question answered
DECLINED = "declined"
NO_ANSWER = "no_answer"  # "sans réponse" after the reminders
UNFINISHED = "unfinished"  # interested, stopped answering after the reminder
HANDED_OFF = "handed_off"  # the advisor takes over: automated messages stop
OPTED_OUT = "opted_out"
STATUSES = (SCHEDULED, AWAITING_REPLY, QUESTIONNAIRE, COMPLETED, DECLINED, NO_ANSWER, UNFINISHED, HANDED_OFF,
            OPTED_OUT)
#: Statuses in which no automated message is sent any more.
CLOSED = (COMPLETED, DECLINED, NO_ANSWER, UNFINISHED, HANDED_OFF, OPTED_OUT)
OUTCOMES = ("introduced", "discarded")  # "mis en relation", "écarté"
DISCARD_REASONS = ("pas_interesse", "profil_inadapte", "injoignable", "contrainte", "autre")
HANDOFF_REASONS = ("asked_advisor", "question", "unclear", "ai_off", "send_failed")


@dataclass(frozen=True)
class FollowUpPolicy:
    """When an unanswered message is followed up: after `delay_hours`, at most `max_reminders` times."""

    delay_hours: float = 24.0
    max_reminders: int = 1
    #: An unfinished questionnaire gets this many reminders (the issue says one).
    questionnaire_reminders: int = 1


def base_step(step: str) -> str:
    """The scripted step a reminder or give-up belongs to ("availability.rappel1" -> "availability")."""
    return step.split(".", 1)[0]


def is_give_up(step: str) -> bool:
    return step.endswith(GIVE_UP)


def reminder_number(step: str) -> int:
    return int(step.rsplit(REMINDER, 1)[1]) if REMINDER in step else 0


def follow_up_after(step: str, policy: FollowUpPolicy) -> str:
    """The step due `delay_hours` after `step` was sent, if no reply comes: a reminder, then a give-up."""
    base = base_step(step)
    allowed = policy.max_reminders if base == FIRST_CONTACT else policy.questionnaire_reminders
    sent = reminder_number(step)
    return f"{base}{REMINDER}{sent + 1}" if sent < allowed else f"{base}{GIVE_UP}"


def status_after_give_up(step: str) -> str:
    return NO_ANSWER if base_step(step) == FIRST_CONTACT else UNFINISHED


@dataclass(frozen=True)
class Move:
    """What a reading of a reply does: the new status, the next step to send now (if any), a hand-off reason."""

    status: str
    next_step: str = ""
    handoff: str = ""
    records_answer: bool = False


def move_after_reply(step: str, intent: str) -> Move:
    """The state machine: the step the reply answers and the reading's intent give the next move.

    A question is never answered by the machine: it goes to the advisor.
    """
    step = base_step(step)
    if intent == "question":
        return Move(HANDED_OFF, handoff="question")
    if intent == "not_interested":
        return Move(DECLINED)
    if step == FIRST_CONTACT:
        if intent == "interested":
            return Move(QUESTIONNAIRE, next_step=QUESTIONS[0])
        return Move(HANDED_OFF, handoff="unclear")
    if step in QUESTIONS:
        position = QUESTIONS.index(step)
        if position + 1 < len(QUESTIONS):
            return Move(QUESTIONNAIRE, next_step=QUESTIONS[position + 1], records_answer=True)
        return Move(COMPLETED, records_answer=True)
    return Move(HANDED_OFF, handoff="unclear")


@dataclass
class MessageState:
    candidate_id: UUID
    step: str
    body: str
    attempted_at: datetime
    status: str = "attempted"
    provider_message_id: str = ""
    attempts: int = 1


@dataclass
class Conversation:
    candidate_id: UUID
    status: str = SCHEDULED
    step: str = FIRST_CONTACT  # the scripted step last sent (replies answer it)
    pending_step: str = ""  # the follow-up due next ("" none)
    pending_due: datetime | None = None
    answers: dict[str, PersonalData] = field(default_factory=dict)
    readings: set[str] = field(default_factory=set)  # suggestion ids of the readings of this person's replies
    outcome: str = ""

    @property
    def closed(self) -> bool:
        return self.status in CLOSED
