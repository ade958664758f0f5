"""ExplanationLetter: a compliance officer answered a person's request for an explanation.

The letter's text is not stored: it is composed again from the log, as it stood at
`as_of`, each time it is shown (application/explanations.py). What the log keeps is who
produced a letter for whom, when, and how much it covered.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.provenance import Provenance


class ExplanationLetter(Aggregate):
    """One letter produced for one person; it holds ids and counts, never personal data."""

    @classmethod
    def produce(
        cls, candidate_id: UUID, as_of: datetime, suggestion_count: int, provenance: Provenance, timestamp: datetime,
    ) -> ExplanationLetter:
        if provenance.actor_role != "compliance":
            raise ValueError("explanation letters are produced by the compliance officer")
        return cls(candidate_id, as_of, suggestion_count, provenance, timestamp)

    @event("Produced")
    def __init__(
        self, candidate_id: UUID, as_of: datetime, suggestion_count: int, provenance: Provenance, timestamp: datetime,
    ) -> None:
        self.candidate_id = candidate_id
        self.as_of = as_of
        self.suggestion_count = suggestion_count
