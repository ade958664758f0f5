"""Use cases of matching: ask for a shortlist, accept or reject each suggestion, add someone by hand."""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from application.caller import Caller
from application.communes import resolve_commune
from application.errors import StaleEditError
from application.pool_composition import eligible_composition
from application.ranking import CandidatePool, RankingFailedError, RankingQuery, RankingResult
from application.screening import screen
from domain.candidate import Candidate
from domain.errors import AlreadyErasedError, InvalidValueError
from domain.matching import MATCH_KIND, AiOutput, MatchCriteria, Suggestion
from domain.offer import Offer
from domain.provenance import Reason

if TYPE_CHECKING:
    from application.app import Relais

log = logging.getLogger(__name__)
#: A decision that lost a race with another change of the same offer is retried on the new version.
DECISION_ATTEMPTS = 3


class MatchingCommands:
    def request_shortlist(self: Relais, offer_id: UUID, criteria: MatchCriteria, caller: Caller) -> UUID:
        """Filter the agency's job seekers, rank them, and record the request and each suggestion at once."""
        caller.require_role("advisor")
        offer: Offer = self._get(offer_id, Offer)
        caller.require_agency(offer.agency_id)
        offer.ensure_open()
        self.require_ai_enabled()
        criteria = self._canonical_criteria(criteria)
        people = self._pool_source().people(offer.agency_id)
        screening = screen(criteria, offer.agency_id, people, self.gazetteer.coordinates)
        # Who was considered, by category, for the oversight figures' representativeness (docs/adr/0016).
        considered = eligible_composition(people, screening.pool.eligible_ids, self._now().date())
        query = RankingQuery(offer.terms.title, criteria.rome_code, criteria.required_skills,
                             criteria.optional_skills, criteria.commune)
        suggestions = self._suggest(query, screening.pool, criteria.limit)
        request_id = uuid4()
        offer.request_match(request_id, criteria, screening.pool_size, screening.exclusions, suggestions,
                            caller.provenance, self._now(), eligible_composition=considered)
        self._save(offer)
        return request_id

    def accept_suggestion(
        self: Relais, offer_id: UUID, suggestion_id: UUID, reason: Reason | None, caller: Caller
    ) -> None:
        def accept(offer: Offer) -> None:
            candidate: Candidate = self._get(offer.shortlist.undecided(suggestion_id).candidate_id, Candidate)
            if candidate.erased:
                raise AlreadyErasedError("Les données de cette personne ont été effacées.")
            offer.accept_suggestion(suggestion_id, reason, caller.provenance, self._now())

        self._decide(offer_id, caller, accept)

    def reject_suggestion(self: Relais, offer_id: UUID, suggestion_id: UUID, reason: Reason, caller: Caller) -> None:
        self._decide(
            offer_id, caller, lambda offer: offer.reject_suggestion(suggestion_id, reason, caller.provenance, self._now())
        )

    def add_candidate_manually(
        self: Relais, offer_id: UUID, candidate_id: UUID, reason: Reason, caller: Caller
    ) -> None:
        def add(offer: Offer) -> None:
            candidate: Candidate = self._get(candidate_id, Candidate)
            caller.require_agency(candidate.agency_id)
            if candidate.agency_id != offer.agency_id:
                raise InvalidValueError({"candidate_id": "Cette personne n'est pas suivie par l'agence de l'offre."})
            if candidate.erased:
                raise AlreadyErasedError("Les données de cette personne ont été effacées.")
            offer.add_candidate_manually(candidate.id, reason, caller.provenance, self._now())

        self._decide(offer_id, caller, add)

    # Helpers ----------------------------------------------------------------------------

    def _decide(self: Relais, offer_id: UUID, caller: Caller, command: Callable[[Offer], None]) -> None:
        """Load, decide, save; on a concurrent change, decide again on the newer version (whose rules apply)."""
        caller.require_role("advisor")
        for attempt in range(1, DECISION_ATTEMPTS + 1):
            offer: Offer = self._get(offer_id, Offer)
            caller.require_agency(offer.agency_id)
            command(offer)
            try:
                self._save(offer)
                return
            except StaleEditError:
                if attempt == DECISION_ATTEMPTS:
                    raise

    def _canonical_criteria(self: Relais, criteria: MatchCriteria) -> MatchCriteria:
        criteria = criteria.validated()
        commune = resolve_commune(self.gazetteer, criteria.commune)
        return replace(criteria, commune=commune.label, commune_code=commune.code)

    def _suggest(self: Relais, query: RankingQuery, pool: CandidatePool, limit: int) -> list[Suggestion]:
        if not pool.eligible:
            return []  # no one to rank: no model is called
        result = self._rank(query, pool, limit)
        where = {candidate_id: i for i, candidate_id in enumerate(pool.eligible_ids)}
        call, text_call = result.ranking_call, result.rationale_call
        suggestions = []
        for rank, ranked in enumerate(result.ranked, start=1):
            assessment = pool.eligible[where[ranked.candidate_id]]  # only the ranked are assessed
            ai = AiOutput(MATCH_KIND, call.model, call.prompt_id, call.prompt_version, call.input_sha256,
                          ranked.output, call.latency_ms, call.tokens_in, call.tokens_out, call.fallback_reason)
            # Only people the rationale call wrote about carry its provenance; the others' rationale is ours.
            rationale_ai = None if text_call is None or not ranked.rationale_output else AiOutput(
                "match_rationale", text_call.model, text_call.prompt_id, text_call.prompt_version,
                text_call.input_sha256, ranked.rationale_output, text_call.latency_ms, text_call.tokens_in,
                text_call.tokens_out, text_call.fallback_reason,
            )
            suggestions.append(Suggestion(uuid4(), UUID(ranked.candidate_id), rank, ranked.score, assessment.met,
                                          assessment.missed, ranked.rationale, ai, rationale_ai))
        return suggestions

    def _rank(self: Relais, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult:
        """The configured model's ranking, or the offline one (recording why) if that model fails."""
        if self.ranker is None:
            raise RuntimeError("no CandidateRanker configured")
        try:
            return _checked(self.ranker.rank(query, pool, limit), pool, limit)
        except Exception as error:
            if self.fallback_ranker is None:
                raise
            reason = error.reason if isinstance(error, RankingFailedError) else f"error:{type(error).__name__}"
            log.warning("ranking failed (%s); falling back to the offline ranking", reason, exc_info=True)
        return _checked(self.fallback_ranker.rank(query, pool, limit), pool, limit).with_fallback(reason)

    def _pool_source(self: Relais):  # noqa: ANN202 - a CandidatePoolSource
        if self.candidate_pool is None:
            raise RuntimeError("no CandidatePoolSource configured")
        return self.candidate_pool


def _checked(result: RankingResult, pool: CandidatePool, limit: int) -> RankingResult:
    """What a model returned, if it only ranks eligible people, once each, with finite scores."""
    eligible = set(pool.eligible_ids)
    ids = [r.candidate_id for r in result.ranked]
    if (len(ids) > limit or len(set(ids)) != len(ids) or not eligible.issuperset(ids)
            or not all(math.isfinite(r.score) for r in result.ranked)):
        raise RankingFailedError("invalid_output", "the ranking names unknown or repeated people")
    return result
