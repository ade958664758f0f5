"""Outreach use cases on in-memory persistence: approve, send, reply, read, ask, follow up, opt out."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from application.caller import Caller
from application.candidates import CandidateDetails
from application.errors import AccessDeniedError, InvalidValueError
from application.outreach import OutreachDraft
from application.sms import InboundSms, SmsSendError
from application.values import OfferTerms, Reason
from domain.candidate import Candidate
from domain.errors import NotContactableError
from domain.outreach import Outreach
from domain.provenance import Provenance
from tests.unit.outreach_fakes import FakeSmsGateway, outreach_relais

PARIS = ZoneInfo("Europe/Paris")

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
TEXT = "Offre Agent de propreté à Lyon. Répondez OUI ou NON. Messages automatiques. STOP pour arrêter."


def register(app, n: int, consent: bool = True) -> str:
    details = CandidateDetails(f"Prénom{n}", f"Nom{n}", f"061{n:07d}", "Lyon", ("K2204",), ("nettoyage de locaux",),
                               date(2026, 12, 1), 20)
    return app.register_candidate(details, consent, ADVISOR)


def phone(n: int) -> str:
    return f"+3361{n:07d}"


def approve(app, people, text: str = TEXT):
    terms = OfferTerms("Agent de propreté", "K2204", ("nettoyage de locaux",), "Lyon", "CDI", 35, 22_000, 24_000)
    offer_id = app.publish_offer(terms, ADVISOR)
    return app.approve_outreach(OutreachDraft(offer_id, tuple(people), text, "Port de charges lourdes."), ADVISOR)


def reply(app, n: int, body: str, sid: str | None = None) -> None:
    app.receive_sms(InboundSms(sid or f"SM{uuid4().hex}", phone(n), "+33600000000", body, app.clock.now()))


def events(app, outreach_id) -> list:
    return list(app.repository.event_store.get(outreach_id))


@pytest.fixture
def gateway() -> FakeSmsGateway:
    return FakeSmsGateway()


@pytest.fixture
def app(clock, gateway):
    return outreach_relais(clock, gateway)


def test_nothing_is_sent_before_approval_and_the_approval_names_advisor_recipients_and_exact_text(app, gateway):
    person = register(app, 1)
    assert app.run_outreach_tick().sent == 0 and gateway.sent == []
    outreach_id = approve(app, [person])
    approved = next(e for e in events(app, outreach_id) if isinstance(e, Outreach.Approved))
    assert (approved.advisor_id, list(approved.recipients), approved.text) == ("advisor-1", [person], TEXT)
    assert approved.provenance.actor_id == "advisor-1"
    report = app.run_outreach_tick()
    assert report.sent == 1 and [s.body for s in gateway.sent] == [TEXT] and gateway.sent[0].to_phone == phone(1)


def test_the_attempt_is_recorded_before_the_provider_answer_with_a_deterministic_id(app, gateway):
    outreach_id = approve(app, [register(app, 1)])
    app.run_outreach_tick()
    kinds = [type(e).__name__ for e in events(app, outreach_id)]
    assert kinds.index("MessageAttempted") < kinds.index("MessageAnswered")
    attempted = next(e for e in events(app, outreach_id) if isinstance(e, Outreach.MessageAttempted))
    assert attempted.message_id == gateway.sent[0].message_id


def test_a_second_tick_sends_nothing_again(app, gateway):
    approve(app, [register(app, 1), register(app, 2)])
    assert app.run_outreach_tick().sent == 2
    assert app.run_outreach_tick().sent == 0
    assert len(gateway.sent) == 2


def test_only_consented_people_of_the_agency_can_be_recipients(app):
    refused = register(app, 1, consent=False)
    with pytest.raises(NotContactableError):
        approve(app, [refused])
    other = Caller("advisor-2", "advisor", "paris-nord", "req-2")
    person = register(app, 2)
    terms = OfferTerms("Agent", "K2204", (), "Lyon", "CDI", 35, 22_000, 24_000)
    offer_id = app.publish_offer(terms, ADVISOR)
    with pytest.raises(AccessDeniedError):
        app.approve_outreach(OutreachDraft(offer_id, (person,), TEXT), other)


def test_the_first_message_must_say_how_to_stop(app):
    with pytest.raises(InvalidValueError) as error:
        approve(app, [register(app, 1)], text="Bonjour, une offre pour vous.")
    assert "text" in error.value.errors


def test_yes_then_the_scripted_questions_in_order_then_completed(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "Oui, ça m'intéresse")
    app.run_outreach_tick()
    answers = ["Dès lundi", "En bus", "Oui ça me va", "1800 euros brut par mois", "Oui sans problème"]
    for answer in answers:
        reply(app, 1, answer)
        app.run_outreach_tick()
    bodies = gateway.bodies_to(phone(1))
    assert bodies[0] == TEXT and len(bodies) == 6  # first message + 5 questions
    assert "commencer" in bodies[1] and "Port de charges lourdes." in bodies[5]
    outreach = app.repository.get(outreach_id)
    conversation = outreach.conversation(person)
    assert conversation.status == "completed"
    assert [conversation.answers[k].value for k in ("availability", "salary")] == ["Dès lundi", "1800 euros brut par mois"]
    reply(app, 1, "Autre chose encore")  # after the end: shown to the advisor, answers unchanged
    assert app.repository.get(outreach_id).conversation(person).answers["requirement"].value == "Oui sans problème"
    reading = next(e for e in events(app, outreach_id) if isinstance(e, Outreach.ReplyInterpreted))
    assert reading.ai.kind == "reply_interpretation" and reading.ai.model == "offline-rules/1"
    assert reading.ai.input_sha256 and reading.suggestion_id


def test_no_then_declined_and_nothing_more_is_sent(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "Non merci, pas intéressé")
    clock = app.clock
    clock.advance(hours=48)
    app.run_outreach_tick()
    assert app.repository.get(outreach_id).conversation(person).status == "declined"
    assert len(gateway.sent) == 1


def test_the_same_reply_delivered_twice_has_one_effect(app, gateway):
    outreach_id = approve(app, [register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "oui", sid="SM-1")
    reply(app, 1, "oui", sid="SM-1")
    received = [e for e in events(app, outreach_id) if isinstance(e, Outreach.ReplyReceived)]
    assert len(received) == 1


def test_a_question_goes_to_the_advisor_and_is_not_answered(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "C'est quoi le salaire exactement ?")
    app.run_outreach_tick()
    outreach = app.repository.get(outreach_id)
    assert outreach.conversation(person).status == "handed_off"
    handed = next(e for e in events(app, outreach_id) if isinstance(e, Outreach.HandedToAdvisor))
    assert handed.reason == "question" and len(gateway.sent) == 1


def test_conseiller_hands_the_conversation_over_at_once_and_stops_the_questions(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "oui")
    app.run_outreach_tick()
    reply(app, 1, "Je voudrais parler à un conseiller")
    app.clock.advance(hours=72)
    app.run_outreach_tick()
    assert app.repository.get(outreach_id).conversation(person).status == "handed_off"
    assert len(gateway.sent) == 2


def test_no_reply_gets_one_reminder_after_the_delay_then_sans_reponse(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    app.clock.advance(hours=23)
    assert app.run_outreach_tick().sent == 0
    app.clock.advance(hours=2)
    assert app.run_outreach_tick().sent == 1
    assert gateway.sent[-1].body == "Rappel : " + TEXT
    app.clock.advance(hours=25)
    report = app.run_outreach_tick()
    assert report.gave_up == 1 and report.sent == 0
    assert app.repository.get(outreach_id).conversation(person).status == "no_answer"


def test_an_unfinished_questionnaire_gets_one_reminder(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "oui")
    app.run_outreach_tick()
    for _ in range(3):
        app.clock.advance(hours=25)
        app.run_outreach_tick()
    bodies = gateway.bodies_to(phone(1))
    assert bodies[2].startswith("Rappel : ") and len(bodies) == 3
    assert app.repository.get(outreach_id).conversation(person).status == "unfinished"


@pytest.mark.parametrize("body", ["STOP", "stop", "Arrêt", "ARRET", "STOP SMS", "desabonner", "Merci mais stop svp"])
def test_opt_out_words_opt_the_person_out_on_candidate_confirm_once_and_stop_everything(app, gateway, body):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, body)
    reply(app, 1, "STOP")  # a second STOP: no second confirmation
    candidate = app.repository.get(person)
    assert candidate.opted_out and not candidate.contactable
    assert [type(e) for e in app.repository.event_store.get(person)].count(Candidate.OptedOut) == 1
    confirmations = [s for s in gateway.sent if "ne recevrez plus" in s.body]
    assert len(confirmations) == 1
    app.clock.advance(hours=48)
    app.run_outreach_tick()
    assert len(gateway.sent) == 2  # first message + confirmation, no reminder
    assert app.repository.get(outreach_id).conversation(person).status == "opted_out"
    with pytest.raises(NotContactableError):
        approve(app, [person])


def test_consent_given_anew_ends_the_opt_out(app):
    approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "STOP")
    app.set_sms_consent(person, True, None, ADVISOR)
    assert app.repository.get(person).contactable
    approve(app, [person])


def test_a_person_who_opted_out_elsewhere_is_not_contacted_by_a_pending_outreach(app, gateway):
    person = register(app, 1)
    approve(app, [person])
    app.set_sms_consent(person, False, Reason("demande_personne"), ADVISOR)
    report = app.run_outreach_tick()
    assert report.sent == 0 and report.stopped == 1 and gateway.sent == []


def test_a_retryable_provider_failure_is_retried_with_the_same_id(app, gateway):
    approve(app, [register(app, 1)])
    gateway.fail_with = SmsSendError("timeout", retryable=True)
    assert app.run_outreach_tick().failed == 1
    gateway.fail_with = None
    app.clock.advance(minutes=11)
    assert app.run_outreach_tick().sent == 1
    assert len({s.message_id for s in gateway.sent}) == 1


def test_a_message_refused_for_good_hands_the_conversation_to_the_advisor_and_no_reminder_follows(app, gateway):
    outreach_id = approve(app, [person := register(app, 1)])
    gateway.fail_with = SmsSendError("invalid number", retryable=False)
    assert app.run_outreach_tick().failed == 1
    gateway.fail_with = None
    conversation = app.repository.get(outreach_id).conversation(person)
    assert (conversation.status, conversation.pending_step) == ("handed_off", "")
    handed = [e for e in events(app, outreach_id) if isinstance(e, Outreach.HandedToAdvisor)]
    assert [h.reason for h in handed] == ["send_failed"]
    app.clock.advance(hours=48)
    assert app.run_outreach_tick().sent == 0 and gateway.sent == []


def test_statuses_never_move_backwards(app, gateway):
    outreach_id = approve(app, [register(app, 1)])
    app.run_outreach_tick()
    provider_id = gateway.by_id[gateway.sent[0].message_id].provider_message_id
    app.record_sms_status(provider_id, "delivered")
    app.record_sms_status(provider_id, "sent")  # late
    app.record_sms_status(provider_id, "delivered")  # repeated
    outreach = app.repository.get(outreach_id)
    assert outreach.messages[gateway.sent[0].message_id].status == "delivered"
    changes = [e for e in events(app, outreach_id) if isinstance(e, Outreach.DeliveryStatusChanged)]
    assert [c.status for c in changes] == ["delivered"]


def test_nothing_is_sent_in_quiet_hours(clock, gateway):
    from application.quiet_hours import QuietHours

    app = outreach_relais(clock, gateway, quiet=QuietHours())
    approve(app, [register(app, 1)])
    clock.current = clock.current.replace(year=2026, month=12, day=6, hour=12)  # a Sunday
    report = app.run_outreach_tick()
    assert report.sent == 0 and report.quiet_until is not None and gateway.sent == []
    clock.current = report.quiet_until
    assert app.run_outreach_tick().sent == 1


def test_an_overseas_mobile_waits_for_the_day_to_start_where_it_is_from(clock, gateway):
    from application.quiet_hours import QuietHours

    app = outreach_relais(clock, gateway, quiet=QuietHours())
    martinique = CandidateDetails("Prénom", "Nom", "06 96 18 23 17", "Lyon", ("K2204",), ("nettoyage de locaux",),
                                  date(2026, 12, 1), 20)
    approve(app, [register(app, 1), app.register_candidate(martinique, True, ADVISOR)])
    clock.current = datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)  # a Tuesday: 04:00 in Martinique
    morning = app.run_outreach_tick()
    assert (morning.sent, morning.held) == (1, 1) and [sms.to_phone for sms in gateway.sent] == ["+33610000001"]
    clock.current = datetime(2026, 12, 1, 13, 0, tzinfo=PARIS)  # 08:00 in Martinique
    afternoon = app.run_outreach_tick()
    assert (afternoon.sent, afternoon.held) == (1, 0) and gateway.sent[-1].to_phone == "+596696182317"


def test_the_advisor_corrects_a_reading_and_concludes(app):
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    reply(app, 1, "bof")
    reading = next(e for e in events(app, outreach_id) if isinstance(e, Outreach.ReplyInterpreted))
    assert reading.low_confidence
    app.correct_reading(outreach_id, person, reading.suggestion_id, "interested", ("transport",), "Appelé", ADVISOR)
    corrected = next(e for e in events(app, outreach_id) if isinstance(e, Outreach.ReadingCorrected))
    assert corrected.suggestion_id == reading.suggestion_id and corrected.provenance.actor_id == "advisor-1"
    app.conclude_conversation(outreach_id, person, "introduced", None, ADVISOR)
    with pytest.raises(InvalidValueError):
        app.conclude_conversation(outreach_id, person, "discarded", None, ADVISOR)
    app.conclude_conversation(outreach_id, person, "discarded", Reason("contrainte", "Horaires"), ADVISOR)


def test_with_the_ai_switched_off_replies_are_recorded_unread_and_go_to_the_advisor(app):
    admin = Caller("admin-1", "admin", "", "req-9")
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    app.switch_ai(False, Reason("autre", "essai"), admin)
    reply(app, 1, "oui")
    kinds = [type(e).__name__ for e in events(app, outreach_id)]
    assert "ReplyReceived" in kinds and "ReplyInterpreted" not in kinds
    assert app.repository.get(outreach_id).conversation(person).status == "handed_off"


def test_an_erased_person_is_never_sent_a_pending_reminder(app, gateway):
    compliance = Caller("dpo-1", "compliance", "", "req-3")
    outreach_id = approve(app, [person := register(app, 1)])
    app.run_outreach_tick()
    app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance)
    app.clock.advance(hours=25)
    report = app.run_outreach_tick()
    assert report.sent == 0 and report.stopped == 1 and len(gateway.sent) == 1
    assert app.repository.get(outreach_id).conversation(person).status == "opted_out"


def test_twilio_status_names_are_understood(app, gateway):
    outreach_id = approve(app, [register(app, 1)])
    app.run_outreach_tick()
    mid = gateway.sent[0].message_id
    provider_id = gateway.by_id[mid].provider_message_id
    app.record_sms_status(provider_id, "accepted")  # = queued: behind "sent", ignored
    app.record_sms_status(provider_id, "undelivered", "30003")
    assert app.repository.get(outreach_id).messages[mid].status == "undelivered"


class _Crash(BaseException):
    """The process dies between "attempt recorded" and "provider answered"."""


@pytest.mark.parametrize("opt_out", ["stop", "consent_withdrawn"])
def test_a_message_left_unanswered_by_a_crash_is_not_sent_after_the_person_opted_out(app, gateway, opt_out):
    outreach_id = approve(app, [person := register(app, 1)])
    gateway.fail_with = _Crash()  # type: ignore[assignment]
    with pytest.raises(_Crash):
        app.run_outreach_tick()
    gateway.fail_with = None
    (attempt,) = [e for e in events(app, outreach_id) if isinstance(e, Outreach.MessageAttempted)]
    if opt_out == "stop":
        reply(app, 1, "STOP")
    else:
        app.set_sms_consent(person, False, Reason("demande_personne"), ADVISOR)
    app.clock.advance(minutes=2)
    app.run_outreach_tick()
    assert attempt.message_id not in [s.message_id for s in gateway.sent]
    assert app.repository.get(outreach_id).unanswered(attempt.message_id) is None  # settled, not reconciled forever


class _TimesOutAfterSending(FakeSmsGateway):
    """The provider takes the message, but its answer never comes back (a read timeout)."""

    def __init__(self) -> None:
        super().__init__()
        self.time_out = True

    def send(self, sms):
        receipt = super().send(sms)
        if self.time_out:
            raise SmsSendError("timeout", retryable=True, maybe_sent=True)
        return receipt


def test_a_send_that_may_have_reached_the_provider_is_reconciled_not_sent_again(clock):
    gateway = _TimesOutAfterSending()
    app = outreach_relais(clock, gateway)
    outreach_id = approve(app, [register(app, 1)])
    assert app.run_outreach_tick().failed == 1
    gateway.time_out = False
    app.clock.advance(minutes=11)
    report = app.run_outreach_tick()
    assert (report.reconciled, report.sent) == (1, 0)
    assert len(gateway.sent) == 1  # the provider got it once, and only once
    (answered,) = [e for e in events(app, outreach_id) if isinstance(e, Outreach.MessageAnswered)]
    assert answered.reconciled


def test_the_reason_for_discarding_someone_is_bounded_like_a_correction_note(app):
    outreach_id = approve(app, [person := register(app, 1)])
    with pytest.raises(InvalidValueError):
        app.conclude_conversation(outreach_id, person, "discarded", Reason("autre", "x" * 501), ADVISOR)
    app.conclude_conversation(outreach_id, person, "discarded", Reason("autre", "x" * 500), ADVISOR)


class _AnotherProcessResendsFirst(FakeSmsGateway):
    """While this tick asks the provider about an unanswered attempt, another process (a scheduler that
    has just lost the lead) reconciles the same attempt: records its re-attempt and sends it."""

    def __init__(self) -> None:
        super().__init__()
        self.app: Any = None
        self.outreach_id: Any = None

    def find(self, sms, attempted_at):
        found = super().find(sms, attempted_at)
        if found is None and self.app is not None:
            other = self.app.repository.get(self.outreach_id)  # the other process's copy
            other.reattempt(sms.message_id, Provenance.job("outreach-tick", "other-process"), self.app.clock.now())
            self.app.save(other)
            super().send(sms)
            self.app = None
        return found


def test_an_attempt_reconciled_by_two_processes_at_once_is_sent_by_one_only(clock):
    gateway = _AnotherProcessResendsFirst()
    app = outreach_relais(clock, gateway)
    outreach_id = approve(app, [register(app, 1)])
    gateway.fail_with = _Crash()  # type: ignore[assignment]
    with pytest.raises(_Crash):
        app.run_outreach_tick()
    gateway.fail_with = None
    gateway.app, gateway.outreach_id = app, outreach_id
    app.clock.advance(minutes=2)
    app.run_outreach_tick()  # its re-attempt is stale: the other process has it
    assert len(gateway.sent) == 1
    reattempts = [e for e in events(app, outreach_id) if isinstance(e, Outreach.MessageReattempted)]
    assert [e.provenance.correlation_id for e in reattempts] == ["other-process"]
