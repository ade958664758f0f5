"""AiOversight: the administrators' "stop" over every AI feature (human oversight, AI Act Art. 14)."""
from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import AiAlreadyInStateError, AiSwitchedOffError
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason

SWITCH_REASONS = ("incident", "audit", "maintenance", "decision_direction", "autre")
#: There is one switch for the whole installation.
AI_OVERSIGHT_ID: UUID = uuid5(NAMESPACE_URL, "relais:ai-oversight")


class AiOversight(Aggregate):
    """Whether models may make suggestions; each switch is an administrator's recorded decision."""

    @staticmethod
    def create_id() -> UUID:
        return AI_OVERSIGHT_ID

    @event("Installed")
    def __init__(self, provenance: Provenance, timestamp: datetime) -> None:
        self.enabled = True

    def switch(self, enabled: bool, reason: Reason, provenance: Provenance, timestamp: datetime) -> None:
        reason.require_in(SWITCH_REASONS)
        if enabled == self.enabled:
            raise AiAlreadyInStateError("L'IA est déjà activée." if enabled else "L'IA est déjà désactivée.")
        # Free text may name staff or people: kept apart from the code, encrypted under the switch's own key.
        text = PersonalData(str(self.id), reason.text) if reason.text.strip() else None
        if enabled:
            self._switched_on(Reason(reason.code), text, provenance, timestamp)
        else:
            self._switched_off(Reason(reason.code), text, provenance, timestamp)

    @event("SwitchedOn")
    def _switched_on(
        self, reason: Reason, reason_text: PersonalData | None, provenance: Provenance, timestamp: datetime
    ) -> None:
        self.enabled = True

    @event("SwitchedOff")
    def _switched_off(
        self, reason: Reason, reason_text: PersonalData | None, provenance: Provenance, timestamp: datetime
    ) -> None:
        self.enabled = False

    def require_enabled(self) -> None:
        if not self.enabled:
            raise AiSwitchedOffError(
                "L'IA a été désactivée par un administrateur : aucune suggestion ne peut être demandée. "
                "Vous pouvez ajouter des personnes à la main."
            )
