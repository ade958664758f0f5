"""What the outreach tick reads and reports: the pending follow-ups (a projection of the log)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class DueFollowUp:
    """One conversation's next automated step and when it is due (rm_outreach_due)."""

    outreach_id: UUID
    candidate_id: UUID
    step: str
    due_at: datetime


@dataclass(frozen=True)
class TickReport:
    """What one tick did. `quiet_until` is set when the tick fell in quiet hours (nothing sent)."""

    due: int = 0
    sent: int = 0
    reconciled: int = 0  # attempts found at the provider after a crash: recorded, not resent
    failed: int = 0
    gave_up: int = 0  # "sans réponse" / unfinished questionnaires recorded
    stopped: int = 0  # people who opted out or can no longer be contacted
    skipped: int = 0  # stale rows of the projection (already done by another process)
    held: int = 0  # due, but in quiet hours where the recipient's number is from: sent at a later tick
    quiet_until: datetime | None = None
