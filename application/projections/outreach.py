"""SMS outreach as its pages and the tick read it: conversations, messages, pending follow-ups."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from application.ports import Transaction
from domain.candidate import Candidate
from domain.conversation import CLOSED, QUESTIONS
from domain.outreach import Outreach
from domain.personal_data import ERASED_PLACEHOLDER

TABLES = ("rm_outreaches", "rm_outreach_conversations", "rm_outreach_messages", "rm_outreach_due")
CONVERSATION_DEFAULTS = dict(step="first_contact", last_message_status="", last_reply="", intent="", needs="",
                             confidence=0.0, low_confidence=0, model="", corrected=0, handoff_reason="", outcome="",
                             outcome_reason="", outcome_text="", answers="{}")


def iso(moment: datetime) -> str:
    """One fixed text form for instants, so that SQL compares them as text on both databases."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _conversation(tx: Transaction, event: Any, **columns: Any) -> None:
    columns["last_activity_at"] = event.timestamp.isoformat()
    assignments = ", ".join(f"{name} = ?" for name in columns)
    tx.execute(f"UPDATE rm_outreach_conversations SET {assignments} WHERE outreach_id = ? AND candidate_id = ?",
               (*columns.values(), str(event.originator_id), str(event.candidate_id)))


def _clear_due(tx: Transaction, event: Any) -> None:
    tx.execute("DELETE FROM rm_outreach_due WHERE outreach_id = ? AND candidate_id = ?",
               (str(event.originator_id), str(event.candidate_id)))


class OutreachProjection:
    name = "outreach"
    topics = ("domain.outreach:", "domain.candidate:Candidate.PersonalDataErased")

    def reset(self, tx: Transaction) -> None:
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")

    def apply(self, event: Any, tx: Transaction) -> None:
        handler = getattr(self, "_" + type(event).__name__, None)
        if handler is not None:
            handler(event, tx)

    def _Approved(self, event: Outreach.Approved, tx: Transaction) -> None:  # noqa: N802 - named after the event
        oid = str(event.originator_id)
        row = tx.fetchone("SELECT offer_id, agency_id FROM rm_outreaches WHERE id = ?", (oid,))
        assert row is not None
        tx.execute("UPDATE rm_outreaches SET offer_title = ?, text = ?, requirement = ?, recipients = ?, "
                   "approved_by = ?, approved_at = ? WHERE id = ?",
                   (event.offer_title, event.text, event.requirement, len(event.recipients),
                    event.advisor_id, event.timestamp.isoformat(), oid))
        columns = ("outreach_id", "candidate_id", "offer_id", "status", "last_activity_at", *CONVERSATION_DEFAULTS)
        marks = ", ".join("?" for _ in columns)
        tx.executemany(
            f"INSERT INTO rm_outreach_conversations ({', '.join(columns)}) VALUES ({marks})",
            [(oid, str(c), row["offer_id"], "scheduled", event.timestamp.isoformat(), *CONVERSATION_DEFAULTS.values())
             for c in event.recipients],
        )

    def _Created(self, event: Outreach.Created, tx: Transaction) -> None:  # noqa: N802
        tx.execute("INSERT INTO rm_outreaches (id, offer_id, agency_id, offer_title, text, requirement, recipients, "
                   "approved_by, approved_at) VALUES (?, ?, ?, '', '', '', 0, '', '')",
                   (str(event.originator_id), str(event.offer_id), event.agency_id))

    def _FollowUpScheduled(self, event: Outreach.FollowUpScheduled, tx: Transaction) -> None:  # noqa: N802
        params = (str(event.originator_id), str(event.candidate_id), event.step, iso(event.due_at))
        tx.execute("INSERT INTO rm_outreach_due (outreach_id, candidate_id, step, due_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (outreach_id, candidate_id) DO UPDATE SET step = excluded.step, "
                   "due_at = excluded.due_at", params)

    def _MessageReattempted(self, event: Outreach.MessageReattempted, tx: Transaction) -> None:  # noqa: N802
        # Sent again after a reconciliation found nothing: the next one waits from now.
        tx.execute("UPDATE rm_outreach_messages SET at = ? WHERE message_id = ?", (iso(event.timestamp), event.message_id))

    def _MessageAttempted(self, event: Outreach.MessageAttempted, tx: Transaction) -> None:  # noqa: N802
        tx.execute(
            "INSERT INTO rm_outreach_messages (message_id, outreach_id, candidate_id, direction, step, body, status, "
            "provider_message_id, error_code, at, suggestion_id, intent, needs, confidence, model, fallback_reason, "
            "answer, correction) VALUES (?, ?, ?, 'out', ?, ?, 'attempted', '', '', ?, '', '', '', 0, '', '', '', '') "
            "ON CONFLICT (message_id) DO UPDATE SET status = 'attempted', at = excluded.at",
            (event.message_id, str(event.originator_id), str(event.candidate_id), event.step, event.body,
             iso(event.timestamp)),
        )
        if event.step != "stop_confirmation":
            _clear_due(tx, event)
            tx.execute("UPDATE rm_outreach_conversations SET status = CASE WHEN status = 'scheduled' THEN "
                       "'awaiting_reply' ELSE status END, step = ? WHERE outreach_id = ? AND candidate_id = ?",
                       (event.step.split(".", 1)[0], str(event.originator_id), str(event.candidate_id)))
        _conversation(tx, event, last_message_status="attempted")

    def _message_status(self, event: Any, tx: Transaction, status: str, **extra: str) -> None:
        sets = ", ".join(["status = ?", *(f"{k} = ?" for k in extra)])
        tx.execute(f"UPDATE rm_outreach_messages SET {sets} WHERE message_id = ?",
                   (status, *extra.values(), event.message_id))
        row = tx.fetchone("SELECT candidate_id FROM rm_outreach_messages WHERE message_id = ?", (event.message_id,))
        if row is not None:
            tx.execute("UPDATE rm_outreach_conversations SET last_message_status = ? "
                       "WHERE outreach_id = ? AND candidate_id = ?",
                       (status, str(event.originator_id), row["candidate_id"]))

    def _MessageAnswered(self, event: Outreach.MessageAnswered, tx: Transaction) -> None:  # noqa: N802
        self._message_status(event, tx, event.status, provider_message_id=event.provider_message_id)

    def _MessageFailed(self, event: Outreach.MessageFailed, tx: Transaction) -> None:  # noqa: N802
        self._message_status(event, tx, "retry" if event.retryable else "failed", error_code=event.reason[:40])

    def _DeliveryStatusChanged(self, event: Outreach.DeliveryStatusChanged, tx: Transaction) -> None:  # noqa: N802
        self._message_status(event, tx, event.status, error_code=event.error_code)

    def _ReplyReceived(self, event: Outreach.ReplyReceived, tx: Transaction) -> None:  # noqa: N802
        tx.execute(
            "INSERT INTO rm_outreach_messages (message_id, outreach_id, candidate_id, direction, step, body, status, "
            "provider_message_id, error_code, at, suggestion_id, intent, needs, confidence, model, fallback_reason, "
            "answer, correction) VALUES (?, ?, ?, 'in', ?, ?, 'received', ?, '', ?, '', '', '', 0, '', '', '', '')",
            (f"in:{event.provider_message_id}", str(event.originator_id), str(event.candidate_id), event.step,
             event.text.value, event.provider_message_id, event.timestamp.isoformat()),
        )
        _clear_due(tx, event)
        _conversation(tx, event, last_reply=event.text.value)

    def _ReplyInterpreted(self, event: Outreach.ReplyInterpreted, tx: Transaction) -> None:  # noqa: N802
        needs = " ".join(event.needs)
        tx.execute("UPDATE rm_outreach_messages SET suggestion_id = ?, intent = ?, needs = ?, confidence = ?, "
                   "model = ?, fallback_reason = ?, answer = ? WHERE message_id = ?",
                   (str(event.suggestion_id), event.intent, needs, float(event.confidence), event.ai.model,
                    event.ai.fallback_reason, event.answer.value, f"in:{event.provider_message_id}"))
        columns: dict[str, Any] = dict(intent=event.intent, needs=needs, confidence=float(event.confidence),
                                       low_confidence=int(event.low_confidence), model=event.ai.model, corrected=0)
        if event.intent not in ("question", "not_interested") and event.step in QUESTIONS:
            row = tx.fetchone("SELECT answers FROM rm_outreach_conversations WHERE outreach_id = ? AND "
                              "candidate_id = ?", (str(event.originator_id), str(event.candidate_id)))
            answers = json.loads(row["answers"]) if row else {}
            answers[event.step] = event.answer.value
            columns["answers"] = json.dumps(answers, ensure_ascii=False, sort_keys=True)
        _conversation(tx, event, **columns)

    def _ReadingCorrected(self, event: Outreach.ReadingCorrected, tx: Transaction) -> None:  # noqa: N802
        correction = json.dumps({"intent": event.intent, "needs": list(event.needs), "note": event.note.value,
                                 "by": event.provenance.actor_id}, ensure_ascii=False, sort_keys=True)
        tx.execute("UPDATE rm_outreach_messages SET correction = ? WHERE suggestion_id = ?",
                   (correction, str(event.suggestion_id)))
        _conversation(tx, event, intent=event.intent, needs=" ".join(event.needs), corrected=1, low_confidence=0)

    def _HandedToAdvisor(self, event: Outreach.HandedToAdvisor, tx: Transaction) -> None:  # noqa: N802
        _clear_due(tx, event)
        _conversation(tx, event, status="handed_off", handoff_reason=event.reason)

    def _ConversationMoved(self, event: Outreach.ConversationMoved, tx: Transaction) -> None:  # noqa: N802
        if event.status in CLOSED:
            _clear_due(tx, event)
        _conversation(tx, event, status=event.status)

    def _Concluded(self, event: Outreach.Concluded, tx: Transaction) -> None:  # noqa: N802
        _clear_due(tx, event)
        text = event.reason_text.value if event.reason_text is not None else ""
        tx.execute("UPDATE rm_outreach_conversations SET status = CASE WHEN status IN ('scheduled', "
                   "'awaiting_reply', 'questionnaire') THEN 'handed_off' ELSE status END "
                   "WHERE outreach_id = ? AND candidate_id = ?", (str(event.originator_id), str(event.candidate_id)))
        _conversation(tx, event, outcome=event.outcome, outcome_reason=event.reason.code if event.reason else "",
                      outcome_text=text)

    def _PersonalDataErased(self, event: Candidate.PersonalDataErased, tx: Transaction) -> None:  # noqa: N802
        # Replies, answers and notes are about the person: erase the clear copies here too.
        person = str(event.originator_id)
        tx.execute("UPDATE rm_outreach_conversations SET last_reply = ?, answers = '{}', outcome_text = CASE WHEN "
                   "outcome_text <> '' THEN ? ELSE '' END WHERE candidate_id = ?",
                   (ERASED_PLACEHOLDER, ERASED_PLACEHOLDER, person))
        tx.execute("UPDATE rm_outreach_messages SET body = ?, answer = '', correction = '' "
                   "WHERE candidate_id = ? AND direction = 'in'", (ERASED_PLACEHOLDER, person))
