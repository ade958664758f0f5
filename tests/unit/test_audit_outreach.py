"""The grouping behind the auditor's outreach view: per recipient, each reply beside its readings and corrections."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from application.audit.outreach_decisions import outreach_decisions
from domain.matching import AiOutput
from domain.outreach import Outreach
from domain.personal_data import PersonalData
from domain.provenance import Provenance

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ADVISOR = Provenance("advisor-lyon", "advisor", "req-1")
SYSTEM = Provenance.job("sms-inbound", "req-2")
TEXT = "Agent de propreté, CDI. Répondez OUI ou NON. Messages automatiques, STOP pour arrêter."


def ai(fallback: str = "") -> AiOutput:
    return AiOutput("reply_interpretation", "offline-rules/1", "reply-reading", "1", "ab" * 32,
                    '{"intent": "unclear"}', 3, 0, 0, fallback)


def read(outreach: Outreach, person: UUID, provider_id: str, text: str, intent: str, at: datetime) -> UUID:
    outreach.receive_reply(person, provider_id, PersonalData(str(person), text), SYSTEM, at)
    suggestion = uuid4()
    outreach.interpret_reply(person, provider_id, suggestion, intent, ("transport",), 0.3 if intent == "unclear" else 0.9,
                             PersonalData(str(person), text), ai("mistral indisponible"), SYSTEM, at)
    return suggestion


def test_replies_are_grouped_by_person_in_the_approved_order_each_beside_its_reading_and_correction() -> None:
    first, second, silent = uuid4(), uuid4(), uuid4()
    outreach = Outreach.approve(uuid4(), "lyon-est", "Agent de propreté", (first, second, silent), TEXT, "",
                                ADVISOR, T0)
    unsure = read(outreach, first, "SM1", "bof", "unclear", T0 + timedelta(minutes=1))
    read(outreach, second, "SM2", "Oui", "interested", T0 + timedelta(minutes=2))
    outreach.correct_reading(first, unsure, "interested", (), PersonalData(str(first), "Rappelée"), ADVISOR,
                             T0 + timedelta(minutes=1, seconds=30))
    outreach.receive_reply(first, "SM3", PersonalData(str(first), "CONSEILLER"), SYSTEM, T0 + timedelta(minutes=5))

    view = outreach_decisions(outreach.id, list(outreach.collect_events()))

    assert (view.text, view.approved_by, view.offer_title) == (TEXT, "advisor-lyon", "Agent de propreté")
    assert [p.candidate_id for p in view.people] == [str(first), str(second), str(silent)]
    replies = view.people[0].replies
    assert [r.text for r in replies] == ["bof", "CONSEILLER"]
    (reading,) = replies[0].readings
    assert (reading.intent, reading.low_confidence, reading.suggestion_id) == ("unclear", True, str(unsure))
    assert reading.ai_outputs[0].fallback_reason == "mistral indisponible"
    (correction,) = reading.corrections
    assert (correction.intent, correction.needs, correction.note) == ("interested", (), "Rappelée")
    assert correction.decision.seconds_after == 30 and correction.decision.entry.actor_id == "advisor-lyon"
    assert replies[1].readings == []  # a reply not (yet) read by the AI stands alone
    assert view.people[1].replies[0].readings[0].corrections == []
    assert view.people[2].replies == []
    assert [h.reason for h in view.people[0].hand_offs] == ["unclear"]
    assert view.actor_ids == {"advisor-lyon", "job:sms-inbound"}


def test_a_correction_never_lands_on_another_persons_reply() -> None:
    one, two = uuid4(), uuid4()
    outreach = Outreach.approve(uuid4(), "lyon-est", "Agent", (one, two), TEXT, "", ADVISOR, T0)
    suggestion = read(outreach, one, "SM1", "Oui", "interested", T0)
    read(outreach, two, "SM2", "Oui", "interested", T0)
    outreach.correct_reading(one, suggestion, "not_interested", (), PersonalData(str(one), ""), ADVISOR, T0)
    view = outreach_decisions(outreach.id, list(outreach.collect_events()))
    assert len(view.people[0].replies[0].readings[0].corrections) == 1
    assert view.people[1].replies[0].readings[0].corrections == []
