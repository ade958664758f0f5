"""Use cases of the compliance officer and of the retention job (a mixin of `Relais`)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from application.errors import AccessDeniedError, AlreadyErasedError
from domain.candidate import Candidate
from domain.explanation_letter import ExplanationLetter
from domain.provenance import Reason
from domain.retention_run import RetentionEntry, RetentionRun

if TYPE_CHECKING:
    from application.app import Relais

RETENTION_JOB = "retention"
RETENTION_REQUESTER = "politique de conservation"


class ComplianceCommands:
    def record_explanation_letter(
        self: Relais, candidate_id: UUID, as_of: datetime, suggestion_count: int, caller: Caller
    ) -> UUID:
        """Record that a letter was produced for a person (who, for whom, when); its text is not stored."""
        caller.require_role("compliance")
        candidate: Candidate = self._get(candidate_id, Candidate)
        if candidate.erased:
            raise AlreadyErasedError("Les données de cette personne ont été effacées : plus de lettre possible.")
        letter = ExplanationLetter.produce(candidate.id, as_of, suggestion_count, caller.provenance, self._now())
        self._save(letter)
        return letter.id

    def erase_inactive_person(self: Relais, candidate_id: UUID, caller: Caller) -> None:
        """The retention job erases someone with no activity for the configured period."""
        caller.require_role("job")
        if caller.actor_id != f"job:{RETENTION_JOB}":
            raise AccessDeniedError("only the retention job erases for retention")
        self._erase_candidate(candidate_id, Reason("retention"), RETENTION_REQUESTER, caller)

    def record_retention_run(
        self: Relais, months: int, cutoff: datetime, examined: int, entries: tuple[RetentionEntry, ...], caller: Caller
    ) -> UUID:
        caller.require_role("job")
        run = RetentionRun(months, cutoff, examined, entries, caller.provenance, self._now())
        self._save(run)
        return run.id
