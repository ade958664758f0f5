"""TrainingSession: a short AI lesson of the training calendar (filled by its issue)."""
from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidValueError
from domain.provenance import Provenance
from domain.values import bounded_int, required_text


class TrainingSession(Aggregate):
    """A scheduled lesson; attendance and the right to decide come later."""

    @classmethod
    def schedule(
        cls, title: str, starts_at: datetime, duration_minutes: int, provenance: Provenance, timestamp: datetime
    ) -> TrainingSession:
        if starts_at.tzinfo is None:
            raise InvalidValueError({"starts_at": "L'heure de début doit préciser le fuseau."})
        return cls(
            required_text(title, "title", "L'intitulé"),
            starts_at,
            bounded_int(duration_minutes, "duration_minutes", 5, 240, "La durée va de 5 à 240 minutes."),
            provenance,
            timestamp,
        )

    @event("Scheduled")
    def __init__(
        self, title: str, starts_at: datetime, duration_minutes: int, provenance: Provenance, timestamp: datetime
    ) -> None:
        self.title = title
        self.starts_at = starts_at
        self.duration_minutes = duration_minutes
