"""The embedded SMS gateway: simulated phones in a table (every process sees the same phones).

Sending stores the message on the recipient's simulated phone and answers "delivered". The
same message id twice is stored once (like a provider honouring an idempotency key), and
`find` answers what became of a message after a crash. Replies typed on the "Téléphones
simulés" page are stored here and handed to `Relais.receive_sms`, the same path as real SMS.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from application.ports import Clock, Database
from application.projections.outreach import iso
from application.sms import InboundSms, OutgoingSms, SmsReceipt

SIMULATED_NUMBER = "+33600000000"  # the number the simulated phones write to


@dataclass(frozen=True)
class SimulatedMessage:
    provider_message_id: str
    phone: str
    direction: str  # "out": Relais -> phone, "in": phone -> Relais
    body: str
    at: str


class SimulatorSmsGateway:
    name = "simulator"

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        provider_id = f"SIM{uuid4().hex}"
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO sms_simulator_messages (provider_message_id, message_id, phone, direction, body, at) "
                "VALUES (?, ?, ?, 'out', ?, ?) ON CONFLICT (message_id) DO NOTHING",
                (provider_id, sms.message_id, sms.to_phone, sms.body, iso(self.clock.now())),
            )
            row = tx.fetchone("SELECT provider_message_id FROM sms_simulator_messages WHERE message_id = ?",
                              (sms.message_id,))
        assert row is not None
        return SmsReceipt(row["provider_message_id"], "delivered")

    def send_many(self, messages: list[OutgoingSms]) -> list[SmsReceipt]:
        """The same as `send` for each message, in one transaction (the tick hands over its whole batch)."""
        now = iso(self.clock.now())
        with self.database.transaction() as tx:
            tx.executemany(
                "INSERT INTO sms_simulator_messages (provider_message_id, message_id, phone, direction, body, at) "
                "VALUES (?, ?, ?, 'out', ?, ?) ON CONFLICT (message_id) DO NOTHING",
                [(f"SIM{uuid4().hex}", sms.message_id, sms.to_phone, sms.body, now) for sms in messages],
            )
            ids: dict[str, str] = {}
            for start in range(0, len(messages), 500):
                chunk = [sms.message_id for sms in messages[start:start + 500]]
                marks = ", ".join("?" for _ in chunk)
                ids.update({r["message_id"]: r["provider_message_id"] for r in tx.fetchall(
                    f"SELECT message_id, provider_message_id FROM sms_simulator_messages WHERE message_id IN ({marks})",
                    chunk)})
        return [SmsReceipt(ids[sms.message_id], "delivered") for sms in messages]

    def find(self, sms: OutgoingSms, attempted_at: datetime) -> SmsReceipt | None:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT provider_message_id FROM sms_simulator_messages WHERE message_id = ?",
                              (sms.message_id,))
        return SmsReceipt(row["provider_message_id"], "delivered") if row else None

    def type_reply(self, phone: str, body: str) -> InboundSms:
        """A job seeker answers from a simulated phone; pass the result to `Relais.receive_sms`."""
        provider_id = f"SMin{uuid4().hex}"
        now = self.clock.now()
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO sms_simulator_messages (provider_message_id, message_id, phone, direction, body, at) "
                "VALUES (?, ?, ?, 'in', ?, ?)", (provider_id, provider_id, phone, body, iso(now)),
            )
        return InboundSms(provider_id, phone, SIMULATED_NUMBER, body, now)

    def phones(self, allowed: set[str] | None = None) -> list[str]:
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT DISTINCT phone FROM sms_simulator_messages ORDER BY phone")
        return [r["phone"] for r in rows if allowed is None or r["phone"] in allowed]

    def messages(self, phone: str) -> list[SimulatedMessage]:
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT * FROM sms_simulator_messages WHERE phone = ? ORDER BY at, direction DESC",
                               (phone,))
        return [SimulatedMessage(r["provider_message_id"], r["phone"], r["direction"], r["body"], r["at"])
                for r in rows]


class SimulatorErasure:
    """Not a read model: when a person is erased, their simulated phone's messages go too.

    A projection so that it runs in every process's catch-up, exactly once; `reset` keeps the
    phones (a rebuild must not empty the simulated network). Messages are found through the
    outreach read model (message ids and provider ids of the person's conversations).
    """

    name = "sms_simulator_erasure"
    topics = ("domain.candidate:Candidate.PersonalDataErased",)

    def reset(self, tx: Any) -> None:
        pass

    def apply(self, event: Any, tx: Any) -> None:
        if type(event).__name__ != "PersonalDataErased":
            return
        person = str(event.originator_id)
        tx.execute(
            "DELETE FROM sms_simulator_messages WHERE message_id IN (SELECT message_id FROM rm_outreach_messages "
            "WHERE candidate_id = ? AND direction = 'out') OR provider_message_id IN (SELECT provider_message_id "
            "FROM rm_outreach_messages WHERE candidate_id = ? AND direction = 'in')", (person, person))
