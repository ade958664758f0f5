"""First events of the outreach and training aggregates (their issues build the rest)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from domain.offer import Offer
from domain.outreach import Outreach
from domain.training_session import TrainingSession

if TYPE_CHECKING:
    from application.app import Relais


class WorkflowCommands:
    def create_outreach(self: Relais, offer_id: UUID, caller: Caller) -> UUID:
        caller.require_role("advisor")
        offer: Offer = self._get(offer_id, Offer)
        caller.require_agency(offer.agency_id)
        outreach = Outreach(offer.id, offer.agency_id, caller.provenance, self._now())
        self._save(outreach)
        return outreach.id

    def schedule_training_session(
        self: Relais, title: str, starts_at: datetime, duration_minutes: int, caller: Caller
    ) -> UUID:
        caller.require_role("admin")
        session = TrainingSession.schedule(title, starts_at, duration_minutes, caller.provenance, self._now())
        self._save(session)
        return session.id
