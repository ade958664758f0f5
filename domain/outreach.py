"""Outreach: contacting an offer's shortlisted people by SMS (filled by the outreach issue)."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.provenance import Provenance


class Outreach(Aggregate):
    """An SMS campaign about one offer; recipients and messages come later."""

    @event("Created")
    def __init__(self, offer_id: UUID, agency_id: str, provenance: Provenance, timestamp: datetime) -> None:
        self.offer_id = offer_id
        self.agency_id = agency_id
