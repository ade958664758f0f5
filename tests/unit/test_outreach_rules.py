"""Pure rules of outreach: opt-out and hand-off words, the conversation script, the offline reader."""
from __future__ import annotations

from dataclasses import replace

import pytest

from application.reply_reading import ReplyToRead
from domain.conversation import (
    COMPLETED,
    DECLINED,
    HANDED_OFF,
    QUESTIONNAIRE,
    QUESTIONS,
    FollowUpPolicy,
    follow_up_after,
    move_after_reply,
)
from domain.sms_keywords import asks_for_advisor, is_opt_out
from infrastructure.offline_reply_reader import OfflineReplyReader


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop SMS", "ARRET", "arrêt", "ARRÊT", "Arret svp",
                                  "DESABONNER", "désabonner", "ok mais STOP maintenant", "  stop.  "])
def test_opt_out_words_are_recognised_in_any_case_with_or_without_accents(text):
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["oui", "stopper", "arrêté de travailler en 2020", "non merci", ""])
def test_other_words_are_not_opt_outs(text):
    assert not is_opt_out(text)


@pytest.mark.parametrize("text", ["CONSEILLER", "conseiller svp", "Je veux parler à quelqu'un",
                                  "Pouvez-vous me rappeler ? Appelez-moi", "parler avec un humain"])
def test_asking_for_a_person_is_recognised(text):
    assert asks_for_advisor(text)


def test_oui_is_not_a_request_for_a_person():
    assert not asks_for_advisor("oui ça m'intéresse")


def test_the_script_moves_from_first_contact_through_each_question_to_completed():
    assert move_after_reply("first_contact", "interested").next_step == QUESTIONS[0]
    for current, following in zip(QUESTIONS, QUESTIONS[1:], strict=False):
        move = move_after_reply(current, "interested")
        assert (move.status, move.next_step, move.records_answer) == (QUESTIONNAIRE, following, True)
    assert move_after_reply(QUESTIONS[-1], "unclear").status == COMPLETED


def test_declining_or_asking_a_question_at_any_step():
    for step in ("first_contact", *QUESTIONS):
        assert move_after_reply(step, "not_interested").status == DECLINED
        assert move_after_reply(step, "question") .handoff == "question"
    assert move_after_reply("first_contact", "unclear").status == HANDED_OFF


def test_reminders_then_give_up_follow_the_policy():
    policy = FollowUpPolicy(24, max_reminders=2)
    assert follow_up_after("first_contact", policy) == "first_contact.rappel1"
    assert follow_up_after("first_contact.rappel1", policy) == "first_contact.rappel2"
    assert follow_up_after("first_contact.rappel2", policy) == "first_contact.fin"
    assert follow_up_after("salary", policy) == "salary.rappel1"
    assert follow_up_after("salary.rappel1", policy) == "salary.fin"
    assert follow_up_after("first_contact", FollowUpPolicy(24, 0)) == "first_contact.fin"


def read(text: str, step: str = "first_contact"):
    return OfflineReplyReader().read(ReplyToRead(text, step, "Intéressé·e ?", "Agent de propreté"))


@pytest.mark.parametrize(("text", "intent"), [
    ("Oui", "interested"), ("ok ça m'intéresse", "interested"), ("Non", "not_interested"),
    ("pas intéressé merci", "not_interested"), ("C'est où ?", "question"), ("bof", "unclear"),
    ("oui et non", "unclear"),
])
def test_the_offline_reader_reads_the_first_reply(text, intent):
    assert read(text).intent == intent


def test_the_offline_reader_finds_needs_and_is_deterministic():
    reading = read("Oui mais je n'ai pas le permis et je dois faire garder mes enfants le soir")
    assert set(reading.needs) == {"transport", "childcare", "schedule"}
    again = read("Oui mais je n'ai pas le permis et je dois faire garder mes enfants le soir")
    # The same reading, bar the measured latency (a loaded machine may take a millisecond more).
    assert again == replace(reading, call=replace(reading.call, latency_ms=again.call.latency_ms))
    assert reading.call.model == "offline-rules/1" and len(reading.call.input_sha256) == 64


def test_no_to_a_scripted_question_is_an_answer_not_a_withdrawal():
    reading = read("Non, pas de contrainte", "hours")
    assert reading.intent == "interested" and reading.answer == "Non, pas de contrainte"
    assert read("finalement je ne suis plus intéressé", "hours").intent == "not_interested"


def test_low_confidence_is_flagged():
    assert read("bof").low_confidence and not read("oui").low_confidence
