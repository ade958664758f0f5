"""Matching use cases on in-memory persistence: what is filtered, ranked, recorded, refused."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from application.caller import Caller
from application.candidates import CandidateDetails
from application.errors import (
    AccessDeniedError,
    AlreadyErasedError,
    InvalidValueError,
    OfferClosedError,
    SuggestionAlreadyDecidedError,
)
from application.ranking import RankedCandidate, RankingFailedError, RankingResult
from application.values import MatchCriteria, OfferTerms, Reason
from domain.offer import Offer
from infrastructure.offline_ranker import Bm25CandidateRanker
from tests.unit.fakes import FailingRanker, RecordingRanker, in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
OTHER_AGENCY = Caller("advisor-2", "advisor", "paris-nord", "req-2")
CRITERIA = MatchCriteria("K2204", "lyon", date(2026, 12, 15), ("nettoyage de locaux", "tri des déchets"))


def register(app, n: int, agency: Caller = ADVISOR, consent: bool = True, **changes) -> str:
    values = dict(first_name=f"Prénom{n}", last_name=f"Canari{n}", phone=f"061{n:07d}", commune="Lyon",
                  rome_codes=("K2204",), skills=("nettoyage de locaux",), available_from=date(2026, 12, 1),
                  mobility_km=20, notes="Note privée")
    values.update(changes)
    return app.register_candidate(CandidateDetails(**values), consent, agency)


def publish(app, caller: Caller = ADVISOR):
    terms = OfferTerms("Agent de propreté", "K2204", ("nettoyage de locaux",), "Lyon", "CDI", 35, 22_000, 24_000)
    return app.publish_offer(terms, caller)


def offer_events(app, offer_id) -> list:
    return list(app.repository.event_store.get(offer_id))


@pytest.fixture
def app(clock):
    return in_memory_relais(clock)


def test_a_request_filters_ranks_and_records_the_request_and_each_suggestion_in_one_save(app) -> None:
    best = register(app, 1, skills=("nettoyage de locaux", "tri des déchets"))
    second = register(app, 2)
    register(app, 3, consent=False)
    register(app, 4, commune="Vienne")  # 25 km, radius 20
    register(app, 5, available_from=date(2027, 3, 1))
    register(app, 6, agency=OTHER_AGENCY)
    offer_id = publish(app)
    head = app.recorder.max_notification_id()
    request_id = app.request_shortlist(offer_id, CRITERIA, ADVISOR)

    events = offer_events(app, offer_id)[1:]
    assert [type(e) for e in events] == [Offer.MatchRequested, Offer.MatchSuggested, Offer.MatchSuggested]
    assert app.recorder.max_notification_id() == head + 3  # one save, three records
    request, first, other = events
    assert request.request_id == request_id and request.criteria.commune == "Lyon"
    assert (request.pool_size, request.eligible_count) == (5, 2)
    assert request.exclusions == {"consent": 1, "distance": 1, "availability": 1}
    assert [first.candidate_id, other.candidate_id] == [best, second]
    assert first.score > other.score and first.ai.model == "offline-bm25/1" and first.ai.kind == "match"
    assert [c.value for c in other.criteria_missed] == ["tri des déchets"]
    assert "à acquérir : tri des déchets" in other.rationale
    for event in events:
        assert (event.provenance.actor_id, event.provenance.correlation_id) == ("advisor-1", "req-1")


def test_the_ranker_receives_no_name_phone_or_note(clock) -> None:
    recording = RecordingRanker()
    app = in_memory_relais(clock, ranker=recording)
    register(app, 1)
    app.request_shortlist(publish(app), CRITERIA, ADVISOR)
    ((query, pool, limit),) = recording.calls
    seen = repr((query, pool, limit))
    assert "Canari" not in seen and "Prénom" not in seen and "Note privée" not in seen
    assert "+33610000001" not in seen and "0610000001" not in seen
    assert len(pool.eligible) == 1 and limit == 20


@pytest.mark.parametrize(
    ("failure", "recorded"),
    [
        (RankingFailedError("timeout", "no answer in 10 s"), "timeout"),
        (ConnectionResetError("peer reset"), "error:ConnectionResetError"),
    ],
)
def test_when_the_model_fails_the_offline_ranking_is_recorded_with_the_reason(clock, failure, recorded) -> None:
    failing = FailingRanker(failure)
    app = in_memory_relais(clock, ranker=failing)
    register(app, 1)
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    suggested = offer_events(app, offer_id)[-1]
    assert failing.calls == 1
    assert (suggested.ai.model, suggested.ai.fallback_reason) == ("offline-bm25/1", recorded)


def test_a_model_output_naming_people_outside_the_eligible_pool_is_replaced_by_the_offline_ranking(clock) -> None:
    class Inventive:
        def rank(self, query, pool, limit):
            made_up = RankedCandidate(str(uuid4()), 9.0, "Excellent.", "{}")
            return replace(Bm25CandidateRanker().rank(query, pool, limit), ranked=(made_up,))

    app = in_memory_relais(clock, ranker=Inventive())
    person = register(app, 1)
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    suggested = offer_events(app, offer_id)[-1]
    assert suggested.candidate_id == person and suggested.ai.fallback_reason == "invalid_output"


def test_nobody_eligible_records_an_empty_round_without_calling_a_model(clock) -> None:
    failing = FailingRanker()
    app = in_memory_relais(clock, ranker=failing)
    register(app, 1, commune="Paris")
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    assert [type(e) for e in offer_events(app, offer_id)] == [Offer.Published, Offer.MatchRequested]
    assert failing.calls == 0


def test_refused_requests_record_nothing(app) -> None:
    register(app, 1)
    offer_id = publish(app)
    with pytest.raises(AccessDeniedError):
        app.request_shortlist(offer_id, CRITERIA, OTHER_AGENCY)
    with pytest.raises(InvalidValueError) as caught:
        app.request_shortlist(offer_id, replace(CRITERIA, commune="Atlantide", limit=500), ADVISOR)
    assert caught.value.errors.keys() == {"limit"}  # value rules first; the commune is checked once they hold
    with pytest.raises(InvalidValueError, match="Commune inconnue"):
        app.request_shortlist(offer_id, replace(CRITERIA, commune="Atlantide"), ADVISOR)
    app.close_offer(offer_id, Reason("pourvue"), ADVISOR)
    with pytest.raises(OfferClosedError):
        app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    assert [type(e) for e in offer_events(app, offer_id)] == [Offer.Published, Offer.Closed]


def test_decisions_and_manual_additions_through_the_use_cases(app) -> None:
    first, second = register(app, 1, skills=("nettoyage de locaux", "tri des déchets")), register(app, 2)
    manual, elsewhere = register(app, 3, commune="Paris"), register(app, 4, agency=OTHER_AGENCY)
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    one, two = (e.suggestion_id for e in offer_events(app, offer_id) if isinstance(e, Offer.MatchSuggested))
    app.accept_suggestion(offer_id, one, None, ADVISOR)
    with pytest.raises(SuggestionAlreadyDecidedError):
        app.accept_suggestion(offer_id, one, None, ADVISOR)
    app.reject_suggestion(offer_id, two, Reason("disponibilite"), ADVISOR)
    app.add_candidate_manually(offer_id, manual, Reason("connu_du_conseiller"), ADVISOR)
    with pytest.raises(AccessDeniedError):
        app.add_candidate_manually(offer_id, elsewhere, Reason("connu_du_conseiller"), ADVISOR)
    with pytest.raises(AccessDeniedError):
        app.reject_suggestion(offer_id, two, Reason("mobilite"), OTHER_AGENCY)
    assert app.repository.get(offer_id).shortlist.members == (first, manual)
    assert second not in app.repository.get(offer_id).shortlist.members


def test_an_erased_person_cannot_be_accepted_or_added(app) -> None:
    person, other = register(app, 1), register(app, 2, commune="Paris")
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    (suggestion,) = (e.suggestion_id for e in offer_events(app, offer_id) if isinstance(e, Offer.MatchSuggested))
    dpo = Caller("dpo", "compliance", "", "req-9")
    app.erase_candidate(person, Reason("demande_rgpd"), "personne", dpo)
    app.erase_candidate(other, Reason("demande_rgpd"), "personne", dpo)
    version = app.repository.get(offer_id).version
    with pytest.raises(AlreadyErasedError):
        app.accept_suggestion(offer_id, suggestion, None, ADVISOR)
    with pytest.raises(AlreadyErasedError):
        app.add_candidate_manually(offer_id, other, Reason("connu_du_conseiller"), ADVISOR)
    assert app.repository.get(offer_id).version == version


def test_only_suggestions_with_a_written_rationale_carry_the_rationale_call(clock) -> None:
    class Explaining:
        """Ranks like the offline ranker; a rationale model wrote about the first person only."""

        def rank(self, query, pool, limit):
            result = Bm25CandidateRanker().rank(query, pool, limit)
            first, *others = result.ranked
            written = replace(first, rationale="Profil proche.", rationale_output='{"rationale": "Profil proche."}')
            text_call = replace(result.ranking_call, model="rationale-model", prompt_id="match-rationale")
            return replace(result, ranked=(written, *others), rationale_call=text_call)

    app = in_memory_relais(clock, ranker=Explaining())
    best = register(app, 1, skills=("nettoyage de locaux", "tri des déchets"))
    register(app, 2)
    offer_id = publish(app)
    app.request_shortlist(offer_id, CRITERIA, ADVISOR)
    first, second = offer_events(app, offer_id)[2:]
    assert first.candidate_id == best
    assert first.rationale_ai is not None and first.rationale_ai.model == "rationale-model"
    assert first.rationale_ai.output == '{"rationale": "Profil proche."}'
    assert second.rationale_ai is None
