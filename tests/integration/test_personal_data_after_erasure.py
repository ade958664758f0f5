"""Personal data written about a person AFTER their erasure (an advisor's note on a conversation still
open on screen) is never readable, and never breaks the reading of that person's older events: no new
key is ever made for an erased person."""
from __future__ import annotations

from application.values import ERASED_PLACEHOLDER, Reason
from domain.candidate import Candidate
from domain.outreach import Outreach
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, compliance
from tests.integration.test_outreach import answer, rows, start


def test_a_note_written_after_an_erasure_is_erased_and_the_older_events_still_load(services: Services, clock) -> None:
    outreach_id, (person,), (phone,) = start(services)
    services.app.run_outreach_tick()
    answer(services, phone, "Oui mais je n'ai pas de voiture")
    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance())
    services.app.conclude_conversation(outreach_id, person, "discarded",
                                       Reason("autre", "Mme Canari-7f3 ne conduit pas"), advisor())
    # Every event about the person still loads (none "does not decrypt"), and the note reads as erased.
    candidate = services.app.repository.get(person)
    assert isinstance(candidate, Candidate) and candidate.erased
    outreach = services.app.repository.get(outreach_id)
    assert isinstance(outreach, Outreach)
    concluded = [e for e in services.app.repository.event_store.get(outreach_id)
                 if type(e).__name__ == "Concluded"]
    assert concluded[0].reason_text.value == ERASED_PLACEHOLDER
    assert "Canari-7f3" not in repr(rows(services, "rm_outreach_conversations"))
