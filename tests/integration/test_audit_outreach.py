"""The auditor's outreach view on SQLite and PostgreSQL: real outreaches, each reply beside its reading and
correction, read from the event store; erasure reads "[effacé]", the other person is unaffected."""
from __future__ import annotations

from uuid import UUID

import pytest

from application.caller import Caller
from application.errors import NotFoundError, AccessDeniedError
from application.values import Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import admin, advisor, compliance, domain_events, terms
from tests.integration.test_outreach import TEXT, answer, start

AUDITOR = Caller("auditor-1", "auditor", "", "req-audit")


def readings(services: Services, outreach_id: UUID) -> list:
    return [e for e in domain_events(services) if e.originator_id == outreach_id
            and type(e).__qualname__ == "Outreach.ReplyInterpreted"]


def test_each_reply_sits_beside_its_recorded_reading_and_the_advisors_correction(services: Services, clock) -> None:
    outreach_id, (unsure, keen), (unsure_phone, keen_phone) = start(services, people=2)
    services.app.run_outreach_tick()
    clock.advance(minutes=3)
    answer(services, unsure_phone, "bof")
    answer(services, keen_phone, "Oui, mais pas de voiture")
    (reading,) = [r for r in readings(services, outreach_id) if r.candidate_id == unsure]
    clock.advance(seconds=40)
    services.app.correct_reading(outreach_id, unsure, reading.suggestion_id, "interested", ("transport",),
                                 "Rappelée : intéressée", advisor())

    view = services.decisions.outreach(AUDITOR, outreach_id)

    assert (view.text, view.approved_by, view.agency_id) == (TEXT, "advisor-lyon", "lyon-est")
    assert [p.candidate_id for p in view.people] == [str(unsure), str(keen)]
    (reply,) = view.people[0].replies
    (read,) = reply.readings
    assert (reply.text, reply.step) == ("bof", "first_contact")
    assert (read.intent, read.low_confidence, read.suggestion_id) == ("unclear", True, str(reading.suggestion_id))
    (ai,) = read.ai_outputs
    assert (ai.model, ai.prompt_id, ai.input_sha256) == (reading.ai.model, reading.ai.prompt_id,
                                                        reading.ai.input_sha256)
    (correction,) = read.corrections
    assert (correction.intent, correction.needs, correction.note) == ("interested", ("transport",),
                                                                     "Rappelée : intéressée")
    assert correction.decision.entry.actor_id == "advisor-lyon" and correction.decision.seconds_after == 40
    assert [h.reason for h in view.people[0].hand_offs] == ["unclear"]
    (keen_reply,) = view.people[1].replies
    assert keen_reply.readings[0].intent == "interested" and "transport" in keen_reply.readings[0].needs
    assert keen_reply.readings[0].corrections == []


def test_after_erasure_the_reply_and_the_note_read_erased_and_the_other_person_is_untouched(
    services: Services, clock
) -> None:
    outreach_id, (gone, kept), (gone_phone, kept_phone) = start(services, people=2)
    services.app.run_outreach_tick()
    answer(services, gone_phone, "Oui, mais pas de voiture")
    answer(services, kept_phone, "Non merci, j'ai trouvé")
    (reading,) = [r for r in readings(services, outreach_id) if r.candidate_id == gone]
    services.app.correct_reading(outreach_id, gone, reading.suggestion_id, "interested", (), "Voiture en mars",
                                 advisor())
    services.app.erase_candidate(gone, Reason("demande_rgpd"), "personne", compliance())

    view = services.decisions.outreach(AUDITOR, outreach_id)

    (reply,) = view.people[0].replies
    assert reply.text == "[effacé]" and reply.readings[0].corrections[0].note == "[effacé]"
    assert reply.readings[0].intent == "interested"  # the reading itself holds no personal data
    assert view.people[1].replies[0].text == "Non merci, j'ai trouvé"


def test_a_reply_left_unread_while_the_ai_is_off_shows_no_reading(services: Services) -> None:
    outreach_id, (person,), (phone,) = start(services)
    services.app.run_outreach_tick()
    services.app.switch_ai(False, Reason("audit"), admin())
    answer(services, phone, "Oui")
    (reply,) = services.decisions.outreach(AUDITOR, outreach_id).people[0].replies
    assert reply.text == "Oui" and reply.readings == []
    assert [h.reason for h in services.decisions.outreach(AUDITOR, outreach_id).people[0].hand_offs] == ["ai_off"]


def test_only_auditors_read_it_and_other_records_are_not_outreaches(services: Services) -> None:
    outreach_id, _, _ = start(services)
    with pytest.raises(AccessDeniedError):
        services.decisions.outreach(advisor(), outreach_id)
    offer_id = services.app.publish_offer(terms(), advisor())
    with pytest.raises(NotFoundError):
        services.decisions.outreach(AUDITOR, offer_id)
