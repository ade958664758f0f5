"""SMS outreach on SQLite and PostgreSQL: the whole path through the read models and the simulator,
a crash between "attempt recorded" and "provider answered", rebuilds and erasure."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest

from application.outreach import OutreachDraft
from application.values import Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, compliance, count, details, domain_events, mobile, terms
from tests.integration.outreach_workers import tick_and_die

TEXT = "Agent de propreté à Lyon, CDI. Répondez OUI ou NON. Messages automatiques, STOP pour arrêter."
OUTREACH_TABLES = ("rm_outreaches", "rm_outreach_conversations", "rm_outreach_messages", "rm_outreach_due")


def start(services: Services, people: int = 1) -> tuple[UUID, list[UUID], list[str]]:
    caller = advisor()
    ids, phones = [], []
    for n in range(people):
        ids.append(services.app.register_candidate(details(phone=mobile(n + 1), last_name=f"Nom{n}"), True, caller))
        phones.append(f"+3361{n + 1:07d}")
    offer_id = services.app.publish_offer(terms(), caller)
    outreach_id = services.app.approve_outreach(OutreachDraft(offer_id, tuple(ids), TEXT), advisor())
    return outreach_id, ids, phones


def answer(services: Services, phone: str, body: str) -> None:
    assert services.sms_simulator is not None
    services.app.receive_sms(services.sms_simulator.type_reply(phone, body))


def phone_bodies(services: Services, phone: str) -> list[tuple[str, str]]:
    assert services.sms_simulator is not None
    return [(m.direction, m.body) for m in services.sms_simulator.messages(phone)]


def rows(services: Services, table: str) -> list[dict]:
    with services.database.read() as tx:
        return [dict(r) for r in tx.fetchall(f"SELECT * FROM {table}")]


def test_approve_send_reply_questions_and_the_summary(services: Services, clock) -> None:
    outreach_id, (person,), (phone,) = start(services)
    assert services.app.run_outreach_tick().sent == 1
    assert phone_bodies(services, phone) == [("out", TEXT)]
    answer(services, phone, "Oui je suis intéressée")
    clock.advance(seconds=5)
    services.app.run_outreach_tick()
    for text in ("Le 4 janvier", "En tram", "Oui", "1900 brut", "Oui"):
        answer(services, phone, text)
        clock.advance(seconds=5)
        services.app.run_outreach_tick()
    view = services.outreach.get(advisor(), outreach_id)
    (conversation,) = view.conversations
    assert conversation.status == "completed" and conversation.last_name == "Nom0"
    assert conversation.answers["availability"] == "Le 4 janvier"
    inbound = [m for m in conversation.messages if m.direction == "in"]
    assert inbound[0].intent == "interested" and inbound[0].model == "offline-rules/1"
    assert len([m for m in conversation.messages if m.direction == "out"]) == 6
    summary = services.outreach.offer_summary(advisor(), UUID(view.offer_id))
    assert [c.candidate_id for c in summary["interested"]] == [str(person)]
    # The same reply delivered twice has one effect.
    before = len(domain_events(services))
    from application.sms import InboundSms
    sms = InboundSms(inbound[0].message_id.removeprefix("in:"), phone, "+33600000000", "Oui", clock.now())
    services.app.receive_sms(sms)
    assert len(domain_events(services)) == before


def test_stop_opts_out_confirms_once_and_the_read_models_follow(services: Services, clock) -> None:
    outreach_id, (person,), (phone,) = start(services)
    services.app.run_outreach_tick()
    answer(services, phone, "Arrêt")
    answer(services, phone, "STOP")
    confirmations = [b for d, b in phone_bodies(services, phone) if "ne recevrez plus" in b]
    assert len(confirmations) == 1
    assert count(services, "SELECT sms_consent FROM rm_candidates WHERE id = ?", (str(person),)) == 0
    (conversation,) = services.outreach.get(advisor(), outreach_id).conversations
    assert conversation.status == "opted_out" and conversation.group == "opted_out"
    clock.advance(hours=30)
    services.app.run_outreach_tick()
    assert len(phone_bodies(services, phone)) == 4  # first message, 2 replies, 1 confirmation: no reminder


def test_delivery_statuses_from_the_provider_never_move_back(services: Services) -> None:
    outreach_id, _, _ = start(services)
    services.app.run_outreach_tick()
    (message,) = rows(services, "rm_outreach_messages")
    services.app.record_sms_status(message["provider_message_id"], "sent")
    assert rows(services, "rm_outreach_messages")[0]["status"] == "delivered"


@pytest.mark.parametrize("provider_gets_it", [True, False], ids=["provider-got-it", "provider-never-got-it"])
def test_a_crash_between_attempt_and_answer_is_reconciled_and_sent_once(
    make_services: Callable[..., Services], store: str | None, tmp_path: Path, clock, provider_gets_it: bool
) -> None:
    services = make_services()
    outreach_id, _, (phone,) = start(services)
    env = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", **({"RELAIS_DATABASE_URL": store} if store else {})}
    child = multiprocessing.get_context("spawn").Process(target=tick_and_die,
                                                         args=(env, clock.now().isoformat(), provider_gets_it))
    child.start()
    child.join(60)
    assert child.exitcode == -9  # killed between "attempt recorded" and "provider answered"
    kinds = [type(e).__name__ for e in domain_events(services) if e.originator_id == outreach_id]
    assert "MessageAttempted" in kinds and "MessageAnswered" not in kinds
    # Restart: a new process catches up and ticks once the attempt is old enough to be reconciled.
    restarted = make_services()
    restarted.projections.catch_up()
    assert restarted.app.run_outreach_tick().sent == 0  # too recent: another process may still be sending
    clock.advance(minutes=2)
    report = restarted.app.run_outreach_tick()
    assert (report.reconciled, report.sent) == ((1, 0) if provider_gets_it else (0, 1))
    assert [d for d, _ in phone_bodies(restarted, phone)] == ["out"]  # exactly one send
    answered = [e for e in domain_events(restarted) if type(e).__name__ == "MessageAnswered"]
    assert len(answered) == 1 and answered[0].reconciled is provider_gets_it
    assert restarted.app.run_outreach_tick().sent == 0


def test_a_rebuild_gives_the_same_tables_and_erasure_scrubs_replies(services: Services, clock) -> None:
    outreach_id, (person, other), (phone, other_phone) = start(services, people=2)
    services.app.run_outreach_tick()
    answer(services, phone, "Oui, mais pas de voiture")
    clock.advance(seconds=5)
    services.app.run_outreach_tick()
    answer(services, other_phone, "Pas intéressé, j'ai trouvé")
    before = {t: sorted(map(repr, rows(services, t))) for t in OUTREACH_TABLES}
    services.projections.rebuild()
    assert {t: sorted(map(repr, rows(services, t))) for t in OUTREACH_TABLES} == before
    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance())
    text = repr(rows(services, "rm_outreach_conversations")) + repr(rows(services, "rm_outreach_messages"))
    assert "pas de voiture" not in text and "j'ai trouvé" in text
    simulated = repr(rows(services, "sms_simulator_messages"))
    assert phone not in simulated and "pas de voiture" not in simulated and other_phone in simulated


def test_a_reply_redelivered_after_a_newer_outreach_to_the_same_person_is_recorded_once(
    services: Services, clock
) -> None:
    first_outreach, (person,), (phone,) = start(services)
    services.app.run_outreach_tick()
    assert services.sms_simulator is not None
    reply = services.sms_simulator.type_reply(phone, "OUI")
    services.app.receive_sms(reply)
    clock.advance(hours=1)
    offer_id = services.app.publish_offer(terms(title="Agent d'entretien"), advisor())
    services.app.approve_outreach(OutreachDraft(offer_id, (person,), TEXT), advisor())  # a newer outreach
    services.app.run_outreach_tick()  # whose first message goes out
    services.app.receive_sms(reply)  # the provider delivers the same message again
    received = [e for e in domain_events(services) if type(e).__name__ == "ReplyReceived"]
    assert [(e.originator_id, e.provider_message_id) for e in received] == [(first_outreach, reply.provider_message_id)]
