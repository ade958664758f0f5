"""Use cases of human oversight over the AI: the administrators' global switch."""
from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError

from application.caller import Caller
from domain.ai_oversight import AI_OVERSIGHT_ID, AiOversight
from domain.provenance import Reason

if TYPE_CHECKING:
    from application.app import Relais


class OversightCommands:
    def switch_ai(self: Relais, enabled: bool, reason: Reason, caller: Caller) -> None:
        """Switch every AI feature on or off; the switch is itself an event, with who and why."""
        caller.require_role("admin")
        oversight = self._oversight() or AiOversight(caller.provenance, self._now())
        oversight.switch(enabled, reason, caller.provenance, self._now())
        self._save(oversight)

    def require_ai_enabled(self: Relais) -> None:
        """Refuse with AiSwitchedOffError when an administrator has switched the AI off."""
        oversight = self._oversight()
        if oversight is not None:
            oversight.require_enabled()

    def _oversight(self: Relais) -> AiOversight | None:
        try:
            return self.repository.get(AI_OVERSIGHT_ID)
        except AggregateNotFoundError:
            return None
