"""The Offer's matching rules, on the aggregate itself: rounds, decisions, reasons, manual additions."""
from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    AlreadyShortlistedError,
    InvalidReasonError,
    InvalidValueError,
    OfferClosedError,
    SuggestionAlreadyDecidedError,
    SuggestionSupersededError,
    UnknownSuggestionError,
)
from domain.matching import AiOutput, CriterionCheck, MatchCriteria, Suggestion
from domain.offer import Offer, OfferTerms
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason

WHO = Provenance("advisor-1", "advisor", "req-1")
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
CRITERIA = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), ("nettoyage de locaux",))
AI = AiOutput("match", "offline-bm25/1", "match-bm25", "1", "ab" * 32, "{}", 3, 0, 0)


def offer() -> Offer:
    terms = OfferTerms("Agent de propreté", "K2204", ("nettoyage de locaux",), "Lyon", "CDI", 35, 22_000, 24_000)
    return Offer.publish("lyon-est", terms, WHO, NOW)


def suggestions(*people: UUID) -> list[Suggestion]:
    return [
        Suggestion(uuid4(), person, rank, 10.0 - rank, (CriterionCheck("skill", "nettoyage de locaux"),), (), "Bien.", AI)
        for rank, person in enumerate(people, start=1)
    ]


def requested(o: Offer, *people: UUID) -> list[UUID]:
    made = suggestions(*people)
    o.request_match(uuid4(), CRITERIA, len(people) + 2, {"consent": 2}, made, WHO, NOW)
    return [s.suggestion_id for s in made]


def test_a_request_records_itself_then_one_event_per_suggested_person() -> None:
    o = offer()
    alice, bob = uuid4(), uuid4()
    requested(o, alice, bob)
    events = o.collect_events()
    assert [type(e) for e in events] == [Offer.Published, Offer.MatchRequested, Offer.MatchSuggested, Offer.MatchSuggested]
    request, first, second = events[1:]
    assert (request.pool_size, request.eligible_count, request.exclusions) == (4, 2, {"consent": 2})
    assert [first.rank, second.rank] == [1, 2] and [first.candidate_id, second.candidate_id] == [alice, bob]
    assert first.request_id == second.request_id == request.request_id
    assert first.ai.model == "offline-bm25/1" and first.provenance == WHO and first.timestamp == NOW


def test_a_decision_on_an_unknown_suggestion_is_refused() -> None:
    o = offer()
    requested(o, uuid4())
    with pytest.raises(UnknownSuggestionError):
        o.accept_suggestion(uuid4(), None, WHO, NOW)


def test_a_second_decision_on_the_same_suggestion_is_refused_and_records_nothing() -> None:
    o = offer()
    (suggestion,) = requested(o, uuid4())
    o.accept_suggestion(suggestion, None, WHO, NOW)
    version = o.version
    with pytest.raises(SuggestionAlreadyDecidedError, match="déjà été acceptée"):
        o.accept_suggestion(suggestion, None, WHO, NOW)  # the double click
    with pytest.raises(SuggestionAlreadyDecidedError):
        o.reject_suggestion(suggestion, Reason("mobilite"), WHO, NOW)
    assert o.version == version


@pytest.mark.parametrize(
    ("reason", "message"),
    [(Reason(""), "motif inconnu"), (Reason("pas_envie"), "motif inconnu"), (Reason("autre"), "précisez")],
)
def test_a_rejection_needs_a_reason_from_the_closed_list_and_text_for_autre(reason: Reason, message: str) -> None:
    o = offer()
    (suggestion,) = requested(o, uuid4())
    with pytest.raises(InvalidReasonError, match=message):
        o.reject_suggestion(suggestion, reason, WHO, NOW)
    assert o.shortlist.suggestions[suggestion].decision == ""


def test_free_text_of_a_reason_is_stored_as_the_persons_personal_data() -> None:
    o = offer()
    person = uuid4()
    (suggestion,) = requested(o, person)
    o.reject_suggestion(suggestion, Reason("autre", "  en arrêt jusqu'en mars "), WHO, NOW)
    event = o.collect_events()[-1]
    assert isinstance(event, Offer.SuggestionRejected)
    assert event.reason == Reason("autre") and event.candidate_id == person
    assert event.reason_text == PersonalData(str(person), "en arrêt jusqu'en mars")


def test_accepted_and_manually_added_people_form_the_shortlist() -> None:
    o = offer()
    alice, bob, carol, dan = uuid4(), uuid4(), uuid4(), uuid4()
    first, second, third = requested(o, alice, bob, carol)
    o.accept_suggestion(first, Reason("profil_adapte"), WHO, NOW)
    o.reject_suggestion(second, Reason("competence_manquante"), WHO, NOW)
    o.add_candidate_manually(dan, Reason("connu_du_conseiller"), WHO, NOW)
    assert o.shortlist.members == (alice, dan)
    with pytest.raises(AlreadyShortlistedError, match="acceptez la suggestion"):
        o.add_candidate_manually(carol, Reason("connu_du_conseiller"), WHO, NOW)  # still pending
    with pytest.raises(AlreadyShortlistedError, match="déjà retenue"):
        o.add_candidate_manually(alice, Reason("connu_du_conseiller"), WHO, NOW)
    o.add_candidate_manually(bob, Reason("autre", "a obtenu son CACES"), WHO, NOW)  # rejected, then added
    assert o.shortlist.members == (alice, dan, bob)
    with pytest.raises(InvalidReasonError):
        o.add_candidate_manually(uuid4(), Reason("parce_que"), WHO, NOW)


def test_a_new_request_supersedes_the_shortlist_and_earlier_suggestions_cannot_be_decided() -> None:
    o = offer()
    alice, bob = uuid4(), uuid4()
    (old,) = requested(o, alice)
    o.accept_suggestion(old, None, WHO, NOW)
    o.add_candidate_manually(bob, Reason("demande_personne"), WHO, NOW)
    (new,) = requested(o, alice)
    assert o.shortlist.members == ()
    with pytest.raises(SuggestionSupersededError):
        o.reject_suggestion(old, Reason("mobilite"), WHO, NOW)
    o.accept_suggestion(new, None, WHO, NOW)
    assert o.shortlist.members == (alice,)
    kinds = [type(e).__name__ for e in o.collect_events()]
    assert kinds.count("MatchRequested") == 2 and kinds.count("SuggestionAccepted") == 2  # history kept


def test_a_closed_offer_accepts_no_match_request_nor_decision() -> None:
    o = offer()
    (suggestion,) = requested(o, uuid4())
    o.close(Reason("pourvue"), WHO, NOW)
    with pytest.raises(OfferClosedError):
        requested(o, uuid4())
    with pytest.raises(OfferClosedError):
        o.accept_suggestion(suggestion, None, WHO, NOW)
    with pytest.raises(OfferClosedError):
        o.add_candidate_manually(uuid4(), Reason("connu_du_conseiller"), WHO, NOW)


def test_a_broken_ranking_is_refused_before_anything_is_recorded() -> None:
    o = offer()
    alice = uuid4()
    twice = suggestions(alice, uuid4())
    twice[1] = Suggestion(uuid4(), alice, 2, 1.0, (), (), "", AI)
    for broken in (twice, list(reversed(suggestions(uuid4(), uuid4())))):
        with pytest.raises(ValueError):
            o.request_match(uuid4(), CRITERIA, 2, {}, broken, WHO, NOW)
    too_many = suggestions(*(uuid4() for _ in range(3)))
    with pytest.raises(ValueError):
        o.request_match(uuid4(), MatchCriteria("K2204", "Lyon", date(2026, 12, 1), limit=2), 3, {}, too_many, WHO, NOW)
    assert o.version == 1


def test_criteria_are_normalised_and_every_impossible_value_is_named_in_french() -> None:
    clean = MatchCriteria(" k2204 ", " Lyon ", date(2026, 12, 1), ("Nettoyage  de locaux",),
                          ("nettoyage de locaux", "Permis B")).validated()
    assert (clean.rome_code, clean.commune) == ("K2204", "Lyon")
    assert clean.required_skills == ("nettoyage de locaux",) and clean.optional_skills == ("permis b",)
    with pytest.raises(InvalidValueError) as caught:
        MatchCriteria("XX", "", None, max_distance_km=-1, contract_type="stage", hours_per_week=70,  # type: ignore[arg-type]
                      salary_min=30_000, salary_max=20_000, limit=0).validated()
    assert set(caught.value.errors) == {
        "rome_code", "commune", "available_by", "max_distance_km", "contract_type", "hours_per_week", "salary_max",
        "limit",
    }
    assert caught.value.errors["limit"] == "Le nombre de suggestions va de 1 à 100."
    with pytest.raises(InvalidValueError):
        MatchCriteria("K2204", "Lyon", date(2026, 12, 1), limit=101).validated()
