"""The timeline's fast read and replay (application/audit/replay.py) give exactly what the library's
repository gives: the same events, field by field, and the same aggregate at every version, on each store."""
from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError

from application.audit.replay import replay, replayed, stored_events
from application.audit.state import aggregate_state
from application.caller import Caller
from infrastructure.bootstrap import Services
from domain.provenance import Reason
from tests.integration.helpers import advisor, compliance, details, mobile, notifications, terms
from tests.integration.test_export_decoding import CRITERIA
from tests.integration.test_export_decoding import a_day_of_work


def library_events(services: Services, aggregate_id: UUID, version: int | None = None) -> list[Any]:
    return list(services.app.repository.event_store.get(aggregate_id, lte=version))


def test_every_aggregate_reads_and_replays_as_the_library_does(services: Services) -> None:
    a_day_of_work(services)
    ids = {record.originator_id for record in notifications(services)}
    assert hasattr(services.app.recorder, "select_event_states")  # the fast read is the one under test
    for aggregate_id in ids:
        expected = library_events(services, aggregate_id)
        events = stored_events(services.app, aggregate_id)
        assert [type(e) for e in events] == [type(e) for e in expected]
        assert [list(e.__dict__.items()) for e in events] == [list(e.__dict__.items()) for e in expected]  # same order too
        for version in sorted({1, len(expected) // 2 or 1, len(expected)}):
            ours = replay(None, stored_events(services.app, aggregate_id, version))
            library = services.app.repository.get(aggregate_id, version=version)
            assert ours.version == library.version == version
            assert ours.modified_on == library.modified_on
            assert aggregate_state(ours) == aggregate_state(library), (aggregate_id, version)
    assert len(ids) >= 6


def test_an_unknown_id_has_no_events_and_a_wrong_sequence_is_refused_as_by_the_library(services: Services) -> None:
    a_day_of_work(services)
    assert stored_events(services.app, UUID(int=1)) == []
    offer_id = next(r.originator_id for r in notifications(services) if r.topic.endswith("Offer.Published"))
    events = stored_events(services.app, offer_id)
    assert len(events) >= 3
    with pytest.raises(Exception) as ours:
        replay(None, [events[0], events[2]])  # version 2 is missing
    with pytest.raises(Exception) as library:
        events[2].mutate(replay(None, events[:1]))
    assert type(ours.value) is type(library.value)
    with pytest.raises(AggregateNotFoundError):
        services.app.repository.get(UUID(int=1))


def test_a_timeline_reads_the_keys_of_its_people_in_one_query(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    people = [services.app.register_candidate(details(phone=mobile(n), last_name=f"Nom{n}",
                                                      skills=("nettoyage de locaux",)), True, advisor()) for n in range(4)]
    offer_id = services.app.publish_offer(terms(), advisor())
    services.app.request_shortlist(offer_id, CRITERIA, advisor())
    offer = services.app.repository.get(offer_id)
    for suggestion_id in list(offer.shortlist.suggestions):  # each rejection's free text is its person's
        services.app.reject_suggestion(offer_id, suggestion_id, Reason("autre", "trajet trop long"), advisor())
    vault = services.app.key_vault
    reads: list[int] = []
    read = vault.database.read

    def counted() -> Any:
        reads.append(1)
        return read()

    monkeypatch.setattr(vault.database, "read", counted)
    vault._cache.clear()  # a cold cache: the first page opened
    events = stored_events(services.app, offer_id)
    texts = [e.reason_text for e in events if type(e).__name__ == "SuggestionRejected"]
    assert len({t.subject_id for t in texts}) == len(people) >= 2  # several people in one timeline
    assert all(t.value == "trajet trop long" for t in texts)  # decrypted with the keys read then
    assert len(reads) == 1  # not one query per person
    assert set(people) >= {UUID(t.subject_id) for t in texts}


def test_a_replay_for_the_state_decodes_only_what_the_methods_read_and_shows_the_same_state(services: Services) -> None:
    a_day_of_work(services)
    ids = {record.originator_id for record in notifications(services)}
    for aggregate_id in ids:
        last = len(library_events(services, aggregate_id))
        for version in range(1, last + 1):
            ours = replayed(services.app, aggregate_id, version)
            library = services.app.repository.get(aggregate_id, version=version)
            assert (ours.version, ours.modified_on) == (library.version, library.modified_on)
            assert aggregate_state(ours) == aggregate_state(library), (aggregate_id, version)
    assert replayed(services.app, UUID(int=1)) is None
    offer_id = next(r.originator_id for r in notifications(services) if r.topic.endswith("Offer.Published"))
    events = stored_events(services.app, offer_id, for_replay=True)
    suggested = next(e for e in events if type(e).__name__ == "MatchSuggested")
    assert isinstance(suggested.candidate_id, UUID)  # read by its method: decoded
    assert suggested.ai["_type_"] == "ai_output"  # never read by it: left as parsed (the path under test)


def test_an_erased_persons_data_reads_as_erased_in_the_state_replayed_for_the_time_travel(services: Services) -> None:
    person = services.app.register_candidate(details(phone=mobile(7), last_name="Avant"), True, advisor())
    # The name shown comes from a later event, which the replay decodes field by field (not from the creation).
    version = services.app.change_candidate_profile(person, 1, details(phone=mobile(7), last_name="Effacable"),
                                                    advisor())
    auditor = Caller("auditor-1", "auditor", "", "req-audit")
    assert services.timelines.state_at(person, version)["profile.last_name"] == "Effacable"
    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance())
    services.app.key_vault._cache.clear()  # as in another process, or 5 s later
    assert services.timelines.state_at(person, version)["profile.last_name"] == "[effacé]"
    assert services.timelines.timeline(auditor, person).state["profile.last_name"] == "[effacé]"
