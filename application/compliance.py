"""Use cases of the compliance officer and of the retention job (a mixin of `Relais`)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from application.errors import AccessDeniedError, AlreadyErasedError, NotFoundError
from domain.candidate import Candidate
from domain.explanation_letter import ExplanationLetter
from domain.provenance import Reason
from domain.retention_run import SCHEDULER_STARTED, RetentionEntry, RetentionRun

if TYPE_CHECKING:
    from application.audit.search_erasure import SearchScan
    from application.app import Relais

RETENTION_JOB = "retention"
#: The retention job asks for its own erasures (a requester kind of domain/erasure_request.py).
RETENTION_REQUESTER = "conservation"


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

    def erasure_reference(self: Relais, candidate_id: UUID, caller: Caller) -> str:
        """The reference of the request that erased the person, read from the event: sealed under the erasure
        register's key of its month, "[effacé]" once that month is past its period, "" when none was given."""
        caller.require_role("compliance")
        for stored in self.events.get(candidate_id, desc=True):
            if isinstance(stored, Candidate.PersonalDataErased):
                return stored.reference.value if stored.reference is not None else ""
        raise NotFoundError(str(candidate_id))

    def erase_inactive_person(self: Relais, candidate_id: UUID, caller: Caller, scan: SearchScan | None = None) -> None:
        """The retention job erases someone with no activity for the configured period.

        `scan`: the auditors' searches opened once for everyone the run erases (`scan_searches_of`)."""
        self._require_retention_job(caller)
        self._erase_candidate(candidate_id, Reason("retention"), RETENTION_REQUESTER, "", caller, scan)

    def scan_searches_of(self: Relais, candidate_ids: list[UUID], caller: Caller) -> SearchScan:
        """For the retention job: every live auditor's search opened once and matched against all these
        people (R people × S searches cost S decryptions, not R × S). People gone or erased are left out."""
        self._require_retention_job(caller)
        people = []
        for candidate_id in candidate_ids:
            try:
                candidate: Candidate = self._get(candidate_id, Candidate)
            except NotFoundError:
                continue
            if not candidate.erased:
                people.append(candidate)
        return self._scan_searches(people)

    def _require_retention_job(self: Relais, caller: Caller) -> None:
        caller.require_role("job")
        if caller.actor_id != f"job:{RETENTION_JOB}":
            raise AccessDeniedError("only the retention job erases for retention")

    def record_retention_run(
        self: Relais, months: int, cutoff: datetime, examined: int, entries: tuple[RetentionEntry, ...], caller: Caller,
        deleted_keys: tuple[str, ...] = (), started_by: Caller | None = None,
    ) -> UUID:
        caller.require_role("job")
        if started_by is not None:
            started_by.require_role("admin", "compliance")
        run = RetentionRun(months, cutoff, examined, entries, caller.provenance, self._now(), deleted_keys,
                           started_by.actor_id if started_by is not None else SCHEDULER_STARTED)
        self._save(run)
        return run.id
