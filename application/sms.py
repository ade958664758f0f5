"""SMS vocabulary shared by the outreach use cases and the gateways (simulator, Twilio).

A message id is deterministic per (outreach, person, step): it is the idempotency key that
keeps a retry, a double tick or two schedulers from sending the same message twice.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

#: Provider statuses, in the order a message moves through them. A late or repeated
#: callback never moves a message backwards (see `status_rank`).
SMS_STATUSES = ("attempted", "queued", "sent", "delivered", "undelivered", "failed")
FINAL_STATUSES = ("delivered", "undelivered", "failed")


def status_rank(status: str) -> int:
    """Order of a status; final statuses share the top rank, so none replaces another."""
    if status in FINAL_STATUSES:
        return len(SMS_STATUSES)
    return SMS_STATUSES.index(status) if status in SMS_STATUSES else -1


def message_id(outreach_id: UUID, candidate_id: UUID, step: str) -> str:
    """The deterministic id of the message for one step of one person's conversation."""
    digest = hashlib.sha256(f"{outreach_id}:{candidate_id}:{step}".encode()).hexdigest()
    return f"rl-{digest[:32]}"


@dataclass(frozen=True)
class OutgoingSms:
    """One message to send. `message_id` is our idempotency key (see `message_id`)."""

    message_id: str
    to_phone: str  # E.164
    body: str


@dataclass(frozen=True)
class SmsReceipt:
    """What the provider said about a message: its own id and a status from SMS_STATUSES."""

    provider_message_id: str
    status: str
    error_code: str = ""


@dataclass(frozen=True)
class InboundSms:
    """A reply as the provider delivered it. `provider_message_id` makes a redelivery harmless."""

    provider_message_id: str
    from_phone: str  # E.164 once normalised
    to_phone: str
    body: str
    received_at: datetime


class SmsSendError(Exception):
    """The provider refused or could not be reached; `retryable` says whether to try again later.

    `maybe_sent`: the request may have reached the provider (a timeout or a connection lost while
    waiting for the answer, a 5xx): the message is to be reconciled with `SmsGateway.find` before
    any new attempt, never resent blindly.
    """

    def __init__(self, reason: str, *, retryable: bool, maybe_sent: bool = False) -> None:
        self.reason = reason
        self.retryable = retryable
        self.maybe_sent = maybe_sent
        super().__init__(reason)
