"""What the outreach pages, the tick and the inbound paths read (read models only)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from application.caller import Caller
from application.errors import NotFoundError
from application.follow_ups import DueFollowUp
from application.ports import Database, Row
from application.projections.outreach import iso

#: An attempt left without the provider's answer this long is reconciled by the tick (a crash).
RECONCILE_AFTER = timedelta(seconds=60)
SUMMARY_GROUPS = ("interested", "declined", "waiting", "no_answer", "advisor", "opted_out", "introduced", "discarded")


@dataclass(frozen=True)
class MessageView:
    message_id: str
    direction: str  # "out" or "in"
    step: str
    body: str
    status: str
    at: str
    suggestion_id: str = ""
    intent: str = ""
    needs: tuple[str, ...] = ()
    confidence: float = 0.0
    model: str = ""
    fallback_reason: str = ""
    answer: str = ""
    correction: dict[str, object] = field(default_factory=dict)

    @property
    def low_confidence(self) -> bool:
        return bool(self.suggestion_id) and self.confidence < 0.6 and not self.correction


@dataclass(frozen=True)
class ConversationView:
    outreach_id: str
    candidate_id: str
    first_name: str
    last_name: str
    status: str
    step: str
    last_activity_at: str
    last_message_status: str
    intent: str
    needs: tuple[str, ...]
    confidence: float
    low_confidence: bool
    model: str
    corrected: bool
    handoff_reason: str
    outcome: str
    outcome_reason: str
    outcome_text: str
    answers: dict[str, str]
    messages: list[MessageView] = field(default_factory=list)
    last_reply: str = ""
    phone: str = ""  # E.164, or the erased placeholder

    @property
    def group(self) -> str:
        """Where the person stands in the offer's summary."""
        if self.outcome:
            return self.outcome
        if self.status == "opted_out":
            return "opted_out"
        if self.status == "declined" or self.intent == "not_interested":
            return "declined"
        if self.status in ("questionnaire", "completed", "unfinished") or self.intent == "interested":
            return "interested"
        if self.status == "no_answer":
            return "no_answer"
        if self.status == "handed_off":
            return "advisor"
        return "waiting"


@dataclass(frozen=True)
class OutreachView:
    id: str
    offer_id: str
    agency_id: str
    offer_title: str
    text: str
    requirement: str
    recipients: int
    approved_by: str
    approved_at: str
    conversations: list[ConversationView]


@dataclass(frozen=True)
class RecipientChoice:
    candidate_id: str
    name: str
    contactable: bool
    why_not: str = ""


def _conversation(row: Row, messages: list[MessageView]) -> ConversationView:
    return ConversationView(
        row["outreach_id"], row["candidate_id"], row["first_name"] or "", row["last_name"] or "", row["status"],
        row["step"], row["last_activity_at"], row["last_message_status"], row["intent"],
        tuple(row["needs"].split()), float(row["confidence"]), bool(row["low_confidence"]), row["model"],
        bool(row["corrected"]), row["handoff_reason"], row["outcome"], row["outcome_reason"], row["outcome_text"],
        json.loads(row["answers"] or "{}"), messages, row["last_reply"], row["phone"] or "",
    )


def _message(row: Row) -> MessageView:
    return MessageView(row["message_id"], row["direction"], row["step"], row["body"], row["status"], row["at"],
                       row["suggestion_id"], row["intent"], tuple(row["needs"].split()), float(row["confidence"]),
                       row["model"], row["fallback_reason"], row["answer"],
                       json.loads(row["correction"]) if row["correction"] else {})


CONVERSATIONS = ("SELECT v.*, c.first_name, c.last_name, c.phone FROM rm_outreach_conversations v "
                 "LEFT JOIN rm_candidates c ON c.id = v.candidate_id ")


class OutreachQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, caller: Caller, outreach_id: UUID) -> OutreachView:
        caller.require_role("advisor")
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM rm_outreaches WHERE id = ?", (str(outreach_id),))
            if row is None:
                raise NotFoundError(str(outreach_id))
            caller.require_agency(row["agency_id"])
            conversations = tx.fetchall(CONVERSATIONS + "WHERE v.outreach_id = ? ORDER BY c.last_name, c.first_name",
                                        (str(outreach_id),))
            messages = tx.fetchall("SELECT * FROM rm_outreach_messages WHERE outreach_id = ? ORDER BY at, direction",
                                   (str(outreach_id),))
        by_person: dict[str, list[MessageView]] = {}
        for message in messages:
            by_person.setdefault(message["candidate_id"], []).append(_message(message))
        return OutreachView(
            row["id"], row["offer_id"], row["agency_id"], row["offer_title"], row["text"], row["requirement"],
            int(row["recipients"]), row["approved_by"], row["approved_at"],
            [_conversation(c, by_person.get(c["candidate_id"], [])) for c in conversations],
        )

    def for_offer(self, caller: Caller, offer_id: UUID) -> list[dict[str, object]]:
        """The offer's outreaches, newest first (id, approved_at, recipients)."""
        caller.require_role("advisor")
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT id, agency_id, approved_at, recipients FROM rm_outreaches WHERE offer_id = ? "
                               "ORDER BY approved_at DESC", (str(offer_id),))
        for row in rows:
            caller.require_agency(row["agency_id"])
        return [dict(r) for r in rows]

    def offer_summary(self, caller: Caller, offer_id: UUID) -> dict[str, list[ConversationView]]:
        """Everyone contacted about the offer, by group (interested, declined, no answer, opted out...)."""
        caller.require_role("advisor")
        with self.database.read() as tx:
            offer = tx.fetchone("SELECT agency_id FROM rm_offers WHERE id = ?", (str(offer_id),))
            if offer is None:
                raise NotFoundError(str(offer_id))
            caller.require_agency(offer["agency_id"])
            rows = tx.fetchall(CONVERSATIONS + "WHERE v.offer_id = ? ORDER BY c.last_name, c.first_name",
                               (str(offer_id),))
        groups: dict[str, list[ConversationView]] = {g: [] for g in SUMMARY_GROUPS}
        for row in rows:
            view = _conversation(row, [])
            groups[view.group].append(view)
        return groups

    def recipients(self, caller: Caller, people: list[tuple[str, str]]) -> list[RecipientChoice]:
        """Who of these (id, name) may be chosen: consented, not opted out, not erased."""
        caller.require_role("advisor")
        if not people:
            return []
        with self.database.read() as tx:
            marks = ", ".join("?" for _ in people)
            rows = {r["id"]: r for r in tx.fetchall(
                f"SELECT id, agency_id, sms_consent, erased FROM rm_candidates WHERE id IN ({marks})",
                [p for p, _ in people])}
        choices = []
        for candidate_id, name in people:
            row = rows.get(candidate_id)
            if row is None or row["erased"]:
                choices.append(RecipientChoice(candidate_id, name, False, "données effacées"))
            elif not row["sms_consent"]:
                choices.append(RecipientChoice(candidate_id, name, False, "pas de consentement SMS (ou STOP)"))
            else:
                choices.append(RecipientChoice(candidate_id, name, True))
        return choices


class ReadModelOutreachSchedule:
    """The tick's source of truth: follow-ups due, and attempts a crash left without an answer."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def due(self, now: datetime, limit: int) -> list[DueFollowUp]:
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT outreach_id, candidate_id, step, due_at FROM rm_outreach_due "
                               "WHERE due_at <= ? ORDER BY due_at LIMIT ?", (iso(now), limit))
            stuck = tx.fetchall("SELECT outreach_id, candidate_id, step, at AS due_at FROM rm_outreach_messages "
                                "WHERE status = 'attempted' AND at <= ? ORDER BY at LIMIT ?",
                                (iso(now - RECONCILE_AFTER), limit))
        return [DueFollowUp(UUID(r["outreach_id"]), UUID(r["candidate_id"]), r["step"],
                            datetime.fromisoformat(r["due_at"])) for r in [*stuck, *rows]][:limit]


class ReadModelOutreachDirectory:
    def __init__(self, database: Database) -> None:
        self.database = database

    def conversations_for_phone(self, phone: str) -> list[tuple[UUID, UUID]]:
        with self.database.read() as tx:
            rows = tx.fetchall(
                "SELECT v.outreach_id, v.candidate_id FROM rm_outreach_conversations v "
                "JOIN rm_candidates c ON c.id = v.candidate_id JOIN rm_outreaches o ON o.id = v.outreach_id "
                "WHERE c.phone = ? ORDER BY o.approved_at DESC", (phone,))
        return [(UUID(r["outreach_id"]), UUID(r["candidate_id"])) for r in rows]

    def candidates_with_phone(self, phone: str) -> list[UUID]:
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT id FROM rm_candidates WHERE phone = ?", (phone,))
        return [UUID(r["id"]) for r in rows]

    def message_for_provider_id(self, provider_message_id: str) -> tuple[UUID, str] | None:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT outreach_id, message_id FROM rm_outreach_messages WHERE provider_message_id = ? "
                              "AND direction = 'out'", (provider_message_id,))
        return (UUID(row["outreach_id"]), row["message_id"]) if row else None

    def reply_received(self, provider_message_id: str) -> bool:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT 1 AS seen FROM rm_outreach_messages WHERE provider_message_id = ? "
                              "AND direction = 'in'", (provider_message_id,))
        return row is not None

    def contact_status(self, candidate_ids: Sequence[UUID]) -> dict[UUID, tuple[str, bool]]:
        return {UUID(r["id"]): (r["agency_id"], bool(r["sms_consent"]) and not r["erased"])
                for r in self._people(candidate_ids)}

    def contacts(self, candidate_ids: Sequence[UUID]) -> dict[UUID, str]:
        return {UUID(r["id"]): r["phone"] for r in self._people(candidate_ids) if r["sms_consent"] and not r["erased"]}

    def _people(self, candidate_ids: Sequence[UUID]) -> list[Row]:
        ids = [str(c) for c in candidate_ids]
        rows: list[Row] = []
        with self.database.read() as tx:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                rows += tx.fetchall(f"SELECT id, agency_id, phone, sms_consent, erased FROM rm_candidates "
                                    f"WHERE id IN ({marks})", chunk)
        return rows


def agency_phones(database: Database, caller: Caller) -> dict[str, str]:
    """E.164 number -> "First Last" of the people the caller may see (advisors: their agency)."""
    caller.require_role("advisor", "admin")
    with database.read() as tx:
        if caller.role == "advisor":
            rows = tx.fetchall("SELECT phone, first_name, last_name FROM rm_candidates WHERE agency_id = ? "
                               "AND erased = 0", (caller.agency_id,))
        else:
            rows = tx.fetchall("SELECT phone, first_name, last_name FROM rm_candidates WHERE erased = 0")
    return {r["phone"]: f"{r['first_name']} {r['last_name']}" for r in rows}
