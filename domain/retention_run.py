"""RetentionRun: one pass of the retention job, with its report.

People with no activity since `cutoff` had their personal data erased (each erasure is
also its own `Candidate.PersonalDataErased` event). The report names people by id only.
The run also deleted the dated keys past their period (auditors' searches, erasure register).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.provenance import Provenance

ERASED, FAILED, KEPT = "erased", "failed", "kept"
#: RetentionRun.started_by of a run the scheduler started (an operator's is their actor id, "cli:NAME").
SCHEDULER_STARTED = "scheduler"


@dataclass(frozen=True)
class RetentionEntry:
    """A person whose last activity is older than the cutoff, and what became of their data."""

    candidate_id: str
    agency_id: str
    last_activity_at: str  # ISO 8601
    last_activity_kind: str
    outcome: str  # ERASED, FAILED, or KEPT (active again since it was selected)
    detail: str = ""  # why it was not erased, empty when erased


class RetentionRun(Aggregate):
    @event("Completed")
    def __init__(
        self,
        months: int,
        cutoff: datetime,
        examined: int,
        entries: tuple[RetentionEntry, ...],
        provenance: Provenance,
        timestamp: datetime,
        deleted_keys: tuple[str, ...] = (),
        started_by: str = "",
    ) -> None:
        self.months = months
        self.cutoff = cutoff
        self.examined = examined
        self.entries = tuple(entries)  # stored as a JSON list
        # The dated keys past their period that the run deleted (owners only: auditors' search days,
        # months of the erasure register). Runs recorded before this field hold none.
        self.deleted_keys = tuple(deleted_keys)
        # Who started the run: "cli:NAME" by hand (`relais retention --operator NAME`), SCHEDULER_STARTED
        # for the scheduler; empty in runs recorded before this field. The erasures' actor stays the job.
        self.started_by = started_by

    @property
    def erased(self) -> int:
        return sum(1 for e in self.entries if e.outcome == ERASED)
