"""Fakes of the outreach ports, for tests on in-memory persistence (they read the aggregates)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.app import Relais
from application.follow_ups import DueFollowUp
from application.quiet_hours import QuietHours
from application.reply_reading import ReplyReading, ReplyToRead
from application.sms import OutgoingSms, SmsReceipt, SmsSendError
from domain.candidate import Candidate
from domain.outreach import Outreach
from infrastructure.offline_reply_reader import OfflineReplyReader
from tests.unit.fakes import in_memory_relais

ALWAYS = QuietHours(days=(1, 2, 3, 4, 5, 6, 7), start=datetime.min.time(), until=datetime.min.time(),
                    holidays_country="")


class FakeSmsGateway:
    """Keeps what was sent; `fail_with` makes the next sends raise; `lose_answers` forgets nothing."""

    name = "fake"

    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []
        self.by_id: dict[str, SmsReceipt] = {}
        self.fail_with: SmsSendError | None = None
        self.finds = 0

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(sms)
        receipt = self.by_id.setdefault(sms.message_id, SmsReceipt(f"P{len(self.by_id) + 1}", "sent"))
        return receipt

    def find(self, sms: OutgoingSms, attempted_at: datetime) -> SmsReceipt | None:
        self.finds += 1
        return self.by_id.get(sms.message_id)

    def bodies_to(self, phone: str) -> list[str]:
        return [s.body for s in self.sent if s.to_phone == phone]


class FakeOutreachIndex:
    """The schedule and the directory, answered from the aggregates (what the read models would hold)."""

    def __init__(self) -> None:
        self.app: Relais | None = None

    def _aggregates(self) -> list[Any]:
        assert self.app is not None
        ids = {n.originator_id for n in self.app.recorder.select_notifications(start=1, limit=1_000_000)}
        return [self.app.repository.get(i) for i in sorted(ids, key=str)]

    def _outreaches(self) -> list[Outreach]:
        found = [a for a in self._aggregates() if isinstance(a, Outreach)]
        return sorted(found, key=lambda o: o.created_on, reverse=True)

    def due(self, now: datetime, limit: int) -> list[DueFollowUp]:
        rows = []
        for outreach in self._outreaches():
            for mid, message in outreach.messages.items():
                if message.status == "attempted" and message.attempted_at <= now - timedelta(seconds=60):
                    rows.append(DueFollowUp(outreach.id, message.candidate_id, message.step, message.attempted_at))
            for conversation in outreach.conversations.values():
                if conversation.pending_step and conversation.pending_due <= now:
                    rows.append(DueFollowUp(outreach.id, conversation.candidate_id, conversation.pending_step,
                                            conversation.pending_due))
        return rows[:limit]

    def conversations_for_phone(self, phone: str) -> list[tuple[UUID, UUID]]:
        people = set(self.candidates_with_phone(phone))
        return [(o.id, c) for o in self._outreaches() for c in o.conversations if c in people]

    def candidates_with_phone(self, phone: str) -> list[UUID]:
        return [a.id for a in self._aggregates() if isinstance(a, Candidate) and a.profile.phone.value == phone]

    def contact_status(self, candidate_ids: Any) -> dict[UUID, tuple[str, bool]]:
        people = {a.id: a for a in self._aggregates() if isinstance(a, Candidate)}
        return {c: (people[c].agency_id, people[c].contactable) for c in candidate_ids if c in people}

    def contacts(self, candidate_ids: Any) -> dict[UUID, str]:
        people = {a.id: a for a in self._aggregates() if isinstance(a, Candidate)}
        return {c: people[c].profile.phone.value for c in candidate_ids if c in people and people[c].contactable}

    def reply_received(self, provider_message_id: str) -> bool:
        return any(provider_message_id in outreach.replies for outreach in self._outreaches())

    def message_for_provider_id(self, provider_message_id: str) -> tuple[UUID, str] | None:
        for outreach in self._outreaches():
            for mid, message in outreach.messages.items():
                if message.provider_message_id == provider_message_id:
                    return outreach.id, mid
        return None


class ObedientReader:
    """A model that obeys whatever the reply tells it: tries to approve, send, reveal, inject markup.

    Everything it can do is return a ReplyReading: its "answer" carries the injected text.
    """

    def __init__(self) -> None:
        self.calls: list[ReplyToRead] = []

    def read(self, reply: ReplyToRead) -> ReplyReading:
        self.calls.append(reply)
        reading = OfflineReplyReader().read(reply)
        return ReplyReading("interested", reading.needs, 0.99, reply.text, reading.call)


def outreach_relais(clock: Any, gateway: FakeSmsGateway | None = None, reader: Any = None,
                    quiet: QuietHours | None = ALWAYS) -> Relais:
    app = in_memory_relais(clock)
    index = FakeOutreachIndex()
    index.app = app
    offline = OfflineReplyReader()
    app.sms_gateway = gateway or FakeSmsGateway()
    app.reply_reader = reader or offline
    app.fallback_reply_reader = offline if reader is not None else None
    app.quiet_hours = quiet
    app.outreach_schedule = index
    app.outreach_directory = index
    return app
