"""Time travel, state diffs, moments and suggestions beside decisions, on in-memory persistence."""
from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from application.audit.decisions import offer_decisions
from application.audit.moments import BadMomentError, Moment, parse_moment, parse_paris_time
from application.audit.state import MASKED, diff, flatten
from application.audit.timeline import TimelineQueries
from application.caller import Caller
from application.errors import AccessDeniedError, NotFoundError
from application.values import Reason
from domain.audit_access import AuditAccess
from domain.personal_data import PersonalData
from tests.conftest import AdvanceableClock
from tests.unit.fakes import InMemoryKeyVault, in_memory_relais
from tests.unit.test_matching_use_cases import ADVISOR, CRITERIA, publish, register

AUDITOR = Caller("auditor-1", "auditor", "", "req-a")


@pytest.fixture
def clock() -> AdvanceableClock:
    return AdvanceableClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


def test_a_paris_time_without_offset_is_read_in_paris_winter_and_summer() -> None:
    assert parse_paris_time("2026-03-01T10:00") == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert parse_paris_time("2026-07-01T10:00") == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_paris_time("2026-07-01T10:00Z") == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_the_repeated_october_hour_means_its_first_occurrence() -> None:
    assert parse_paris_time("2026-10-25T02:30") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("params", "parameter"), [
    ({"version": "0"}, "version"), ({"version": "-1"}, "version"), ({"version": "1.5"}, "version"),
    ({"at": "1 mars"}, "at"), ({"at": "0001-01-01T00:00"}, "at"), ({"from": "2"}, "to"), ({"to": "2"}, "from"),
    ({"from": "x", "to": "2"}, "from"), ({"from": "1", "to": "x"}, "to"),
    ({"version": "2", "from": "1", "to": "2"}, ""),
])
def test_unreadable_moments_are_refused_in_french_naming_the_parameter_at_fault(params, parameter) -> None:
    with pytest.raises(BadMomentError) as refused:
        parse_moment(params)
    assert refused.value.parameter == parameter  # the page shows the message beside that field


def test_moments_read_from_the_address() -> None:
    assert parse_moment({}) == Moment()
    assert parse_moment({"version": "3"}) == Moment(version=3)
    assert parse_moment({"from": "1", "to": "4"}).is_diff


def test_flatten_masks_secrets_and_shows_personal_data_decrypted_or_erased() -> None:
    state = flatten({"password_hash": "argon2$...", "name": PersonalData("p", "Camille"),
                     "phone": PersonalData.erased_for("p"), "skills": ("a", "b")})
    assert state == {"password_hash": MASKED, "name": "Camille", "phone": "[effacé]", "skills": "a, b"}


def test_diff_names_changed_added_and_removed_fields() -> None:
    changes = diff({"a": "1", "b": "2", "gone": "x"}, {"a": "1", "b": "3", "new": "y"})
    assert [(c.field, c.before, c.after) for c in changes] == [("b", "2", "3"), ("gone", "x", None), ("new", None, "y")]


def replay(events, version: int):
    """The aggregate rebuilt by hand from its first `version` stored events."""
    aggregate = None
    for event in events[:version]:
        aggregate = event.mutate(aggregate)
    return aggregate


def test_the_state_at_each_version_equals_the_replay_of_the_events_up_to_it(clock) -> None:
    app = in_memory_relais(clock)
    register(app, 1)
    offer_id = publish(app)
    clock.advance(minutes=1)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    events = list(app.repository.event_store.get(offer_id))
    timelines = TimelineQueries(app)
    for version in range(1, len(events) + 1):
        expected = flatten(replay(events, version))
        assert timelines.state_at(offer_id, version) == expected, version  # the repository's replay
        assert timelines.timeline(AUDITOR, offer_id, Moment(version=version)).state == expected  # the page's
    timeline = timelines.timeline(AUDITOR, offer_id)
    assert [e.version for e in timeline.entries] == list(range(1, len(events) + 1))
    assert timeline.state_version == len(events)


def test_the_state_at_a_time_is_the_state_after_the_last_event_by_then(clock) -> None:
    app = in_memory_relais(clock)
    offer_id = publish(app)  # 09:00 UTC, 10:00 in Paris
    clock.advance(hours=1)
    app.close_offer(offer_id, Reason("pourvue"), ADVISOR)  # 10:00 UTC, 11:00 in Paris
    timelines = TimelineQueries(app)
    before_close = timelines.timeline(AUDITOR, offer_id, parse_moment({"at": "2026-03-01T10:59"}))
    assert before_close.state_version == 1 and before_close.state["closed"] == "non"
    after_close = timelines.timeline(AUDITOR, offer_id, parse_moment({"at": "2026-03-01T11:00"}))
    assert after_close.state_version == 2 and after_close.state["closed"] == "oui"
    before_all = timelines.timeline(AUDITOR, offer_id, parse_moment({"at": "2026-03-01T09:59"}))
    assert before_all.state is None
    changes = timelines.timeline(AUDITOR, offer_id, parse_moment({"from": "1", "to": "2"})).changes
    assert [(c.field, c.before, c.after) for c in changes] == [("closed", "non", "oui")]
    with pytest.raises(BadMomentError) as beyond:
        timelines.timeline(AUDITOR, offer_id, parse_moment({"version": "3"}))
    assert beyond.value.parameter == "version"
    with pytest.raises(BadMomentError) as beyond:
        timelines.timeline(AUDITOR, offer_id, parse_moment({"from": "1", "to": "3"}))
    assert beyond.value.parameter == "to"


def test_timelines_are_for_auditors_and_unknown_ids_are_not_found(clock) -> None:
    app = in_memory_relais(clock)
    offer_id = publish(app)
    with pytest.raises(AccessDeniedError):
        TimelineQueries(app).timeline(ADVISOR, offer_id)
    with pytest.raises(NotFoundError):
        TimelineQueries(app).timeline(AUDITOR, UUID(int=7))


def test_an_erased_persons_words_read_as_erased_in_the_timeline(clock) -> None:
    vault = InMemoryKeyVault()
    app = in_memory_relais(clock, vault=vault)
    candidate_id = UUID(str(register(app, 1)))
    app.set_sms_consent(candidate_id, False, Reason("autre", "Ne veut plus de SMS de Canari1"), ADVISOR)
    entry = TimelineQueries(app).timeline(AUDITOR, candidate_id).entries[-1]
    assert (entry.reason_code, entry.reason_text) == ("autre", "Ne veut plus de SMS de Canari1")
    vault.destroy(str(candidate_id))
    timeline = TimelineQueries(app).timeline(AUDITOR, candidate_id)
    assert timeline.entries[-1].reason_text == "[effacé]"
    assert timeline.state["profile.last_name"] == "[effacé]"


def test_each_suggestion_is_paired_with_its_decision_and_the_time_taken(clock) -> None:
    app = in_memory_relais(clock)
    for n in (1, 2, 3):
        register(app, n)
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    offer = app.repository.get(offer_id)
    first, second = list(offer.shortlist.suggestions)[:2]
    clock.advance(seconds=3)
    app.reject_suggestion(offer_id, first, Reason("mobilite", "Pas de bus"), ADVISOR)
    clock.advance(seconds=60)
    app.accept_suggestion(offer_id, second, None, ADVISOR)
    view = offer_decisions(offer_id, list(app.repository.event_store.get(offer_id)))
    (round_,) = view.rounds
    by_id = {s.suggested.fields["suggestion_id"]: s for s in round_.suggestions}
    rejected, accepted = by_id[str(first)].decision, by_id[str(second)].decision
    assert (rejected.outcome, rejected.seconds_after, rejected.entry.reason_code) == ("rejected", 3, "mobilite")
    assert rejected.entry.reason_text == "Pas de bus"
    assert (accepted.outcome, accepted.seconds_after) == ("accepted", 63)
    assert [s.rank for s in round_.suggestions] == [1, 2, 3]
    assert sum(1 for s in round_.suggestions if s.decision is None) == 1
    assert round_.suggestions[0].ai_outputs[0].model.startswith("offline-bm25")


def test_an_access_record_keeps_the_search_as_personal_data_under_the_auditors_key_of_the_day() -> None:
    provenance = AUDITOR.provenance
    access = AuditAccess.record("GET", "/audit/historique", "", "personne=Martin", provenance,
                                datetime(2026, 3, 1, tzinfo=UTC))
    assert access.query == PersonalData("audit-searches:auditor-1:2026-03-01", "personne=Martin")
    assert AuditAccess.record("GET", "/audit", "", "", provenance, datetime(2026, 3, 1, tzinfo=UTC)).query is None
