"""Matching commands of an offer: ask for a shortlist, decide on each suggestion, add someone by hand.

A mixin of `Offer`: the rules live here; the events are declared on `Offer` itself so that
their stored topics are `domain.offer:Offer.<Event>`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from domain.matching import (
    ACCEPTANCE_REASONS,
    MANUAL_ADDITION_REASONS,
    REJECTION_REASONS,
    MatchCriteria,
    Suggestion,
    check_ranking,
)
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason


def _free_text(candidate_id: UUID, reason: Reason | None) -> PersonalData | None:
    """A reason's free text is about a person: it is stored as their personal data, encrypted."""
    if reason is None or not reason.text.strip():
        return None
    return PersonalData(str(candidate_id), reason.text.strip())


def _code_only(reason: Reason) -> Reason:
    return Reason(reason.code)


class OfferMatching:
    """Mixed into Offer, which provides `shortlist`, `_require_open` and the `_<event>` methods."""

    def ensure_open(self) -> None:
        """Refuse early, before any ranking work, when the offer is closed."""
        self._require_open()

    def request_match(
        self,
        request_id: UUID,
        criteria: MatchCriteria,
        pool_size: int,
        exclusions: Mapping[str, int],
        suggestions: Sequence[Suggestion],
        provenance: Provenance,
        timestamp: datetime,
        eligible_composition: Mapping[str, Mapping[str, int]] | None = None,
    ) -> None:
        """Record the request and its suggestions (one event each); it supersedes the current round.

        `eligible_composition`: how many eligible people fall in each category of each dimension
        (age band, sex, area), counts only, for the oversight figures (docs/adr/0016).
        """
        self._require_open()
        criteria = criteria.validated()
        check_ranking(list(suggestions), criteria.limit)
        excluded = {str(k): int(v) for k, v in exclusions.items() if v}
        composition = None if eligible_composition is None else {
            str(dimension): {str(k): int(v) for k, v in counts.items()}
            for dimension, counts in eligible_composition.items()
        }
        self._match_requested(request_id, criteria, pool_size, pool_size - sum(excluded.values()), excluded,
                              provenance, timestamp, composition)
        for s in suggestions:
            self._match_suggested(
                request_id, s.suggestion_id, s.candidate_id, s.rank, s.score, tuple(s.criteria_met),
                tuple(s.criteria_missed), s.rationale, s.ai, s.rationale_ai, provenance, timestamp,
            )

    def accept_suggestion(
        self, suggestion_id: UUID, reason: Reason | None, provenance: Provenance, timestamp: datetime
    ) -> UUID:
        """Accept a suggestion of the current round; the person joins the shortlist. Returns their id."""
        self._require_open()
        if reason is not None:
            reason.require_in(ACCEPTANCE_REASONS)
        state = self.shortlist.undecided(suggestion_id)
        self._suggestion_accepted(
            suggestion_id, state.candidate_id, reason and _code_only(reason), _free_text(state.candidate_id, reason),
            provenance, timestamp,
        )
        return state.candidate_id

    def reject_suggestion(self, suggestion_id: UUID, reason: Reason, provenance: Provenance, timestamp: datetime) -> UUID:
        """Reject a suggestion of the current round, with a reason from REJECTION_REASONS."""
        self._require_open()
        reason.require_in(REJECTION_REASONS)
        state = self.shortlist.undecided(suggestion_id)
        self._suggestion_rejected(
            suggestion_id, state.candidate_id, _code_only(reason), _free_text(state.candidate_id, reason),
            provenance, timestamp,
        )
        return state.candidate_id

    def add_candidate_manually(
        self, candidate_id: UUID, reason: Reason, provenance: Provenance, timestamp: datetime
    ) -> None:
        """Put on the shortlist someone the model did not suggest (or that was rejected), with a reason."""
        self._require_open()
        reason.require_in(MANUAL_ADDITION_REASONS)
        self.shortlist.require_addable(candidate_id)
        self._candidate_added_manually(
            candidate_id, self.shortlist.request_id, _code_only(reason), _free_text(candidate_id, reason),
            provenance, timestamp,
        )
