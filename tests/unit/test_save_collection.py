"""What a save records: every pending event of the aggregates given, in the order given, once."""
from __future__ import annotations

from datetime import date
from uuid import uuid4

from application.candidates import CandidateDetails
from domain.candidate import Candidate
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason
from tests.conftest import AdvanceableClock
from tests.unit.fakes import FakeGazetteer, in_memory_relais

ADVISOR = Provenance("advisor-1", "advisor", "req-1")


def candidate(clock: AdvanceableClock, n: int) -> Candidate:
    subject = uuid4()
    details = CandidateDetails("Zoé", "Canari", f"06 12 34 56 {n:02d}", "Lyon", ("K2204",), (), date(2026, 12, 1), 5)
    return Candidate.register("lyon-est", details.to_profile(subject, FakeGazetteer()), True, ADVISOR, clock.now(),
                              id=subject)


def test_a_save_records_each_aggregates_pending_events_in_the_order_given_and_only_once() -> None:
    clock = AdvanceableClock()
    app = in_memory_relais(clock)
    first, second = candidate(clock, 1), candidate(clock, 2)
    second.withdraw_consent(Reason("stop_sms"), ADVISOR, clock.now())
    recordings = app.save(second, None, first)
    assert [(r.domain_event.originator_id, type(r.domain_event).__name__) for r in recordings] == [
        (second.id, "Registered"), (second.id, "ConsentWithdrawn"), (first.id, "Registered"),
    ]
    assert [n.id for n in app.recorder.select_notifications(start=None, limit=10)] == [1, 2, 3]
    assert app.save(first, second) == []  # nothing pending any more
    assert app.repository.get(second.id).sms_consent is False


def test_bare_events_are_saved_in_their_place_among_aggregates() -> None:
    clock = AdvanceableClock()
    app = in_memory_relais(clock)
    first, second = candidate(clock, 1), candidate(clock, 2)
    (event,) = second.collect_events()
    recordings = app.save(first, event)
    assert [r.domain_event.originator_id for r in recordings] == [first.id, second.id]
    assert isinstance(app.repository.get(second.id).profile.first_name, PersonalData)
