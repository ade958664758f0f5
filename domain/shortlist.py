"""The current matching round of an offer: its suggestions, the advisor's decisions, manual additions.

A new match request supersedes the round: earlier suggestions stay in the log (and in
`superseded`, to tell them from unknown ids) but can no longer be decided.
"""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.errors import (
    AlreadyShortlistedError,
    SuggestionAlreadyDecidedError,
    SuggestionSupersededError,
    UnknownSuggestionError,
)

PENDING, ACCEPTED, REJECTED = "", "accepted", "rejected"


@dataclass
class SuggestionState:
    candidate_id: UUID
    decision: str = PENDING


class Shortlist:
    def __init__(self) -> None:
        self.request_id: UUID | None = None
        self.suggestions: dict[UUID, SuggestionState] = {}
        self.added_manually: list[UUID] = []
        self.superseded: set[UUID] = set()

    # Rules (read only) -------------------------------------------------------------------

    def undecided(self, suggestion_id: UUID) -> SuggestionState:
        """The suggestion an advisor may now accept or reject."""
        state = self.suggestions.get(suggestion_id)
        if state is None:
            if suggestion_id in self.superseded:
                raise SuggestionSupersededError("Cette suggestion a été remplacée par une nouvelle liste.")
            raise UnknownSuggestionError("Suggestion inconnue pour cette offre.")
        if state.decision != PENDING:
            verdict = "acceptée" if state.decision == ACCEPTED else "refusée"
            raise SuggestionAlreadyDecidedError(f"Cette suggestion a déjà été {verdict}.")
        return state

    def require_addable(self, candidate_id: UUID) -> None:
        """A person is added by hand only if not already suggested (undecided) or shortlisted."""
        if candidate_id in self.members:
            raise AlreadyShortlistedError("Cette personne est déjà retenue pour l'offre.")
        if any(s.candidate_id == candidate_id and s.decision == PENDING for s in self.suggestions.values()):
            raise AlreadyShortlistedError("Cette personne est déjà suggérée : acceptez la suggestion.")

    @property
    def members(self) -> tuple[UUID, ...]:
        """The offer's shortlist: accepted suggestions, then people added by hand."""
        accepted = [s.candidate_id for s in self.suggestions.values() if s.decision == ACCEPTED]
        return (*accepted, *(c for c in self.added_manually if c not in accepted))

    # Changes (called by the event handlers only) ----------------------------------------

    def start_round(self, request_id: UUID) -> None:
        self.superseded.update(self.suggestions)
        self.request_id = request_id
        self.suggestions = {}
        self.added_manually = []

    def suggest(self, suggestion_id: UUID, candidate_id: UUID) -> None:
        self.suggestions[suggestion_id] = SuggestionState(candidate_id)

    def decide(self, suggestion_id: UUID, decision: str) -> None:
        self.suggestions[suggestion_id].decision = decision

    def add_manually(self, candidate_id: UUID) -> None:
        self.added_manually.append(candidate_id)
