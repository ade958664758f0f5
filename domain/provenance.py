"""Who did something, on behalf of which request, and why."""
from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidReasonError
from domain.values import free_text

ROLES = ("advisor", "auditor", "compliance", "admin")
#: Automated jobs act under this role, with the job's name as actor id.
JOB_ROLE = "job"


@dataclass(frozen=True)
class Provenance:
    """Carried by every event: the actor and the request it served."""

    actor_id: str
    actor_role: str
    correlation_id: str

    def __post_init__(self) -> None:
        if not self.actor_id or not self.correlation_id:
            raise ValueError("provenance needs an actor id and a correlation id")
        if self.actor_role not in (*ROLES, JOB_ROLE):
            raise ValueError(f"unknown actor role {self.actor_role!r}")

    @classmethod
    def job(cls, job_name: str, correlation_id: str) -> Provenance:
        """Provenance of an automated job: the job itself is the actor."""
        return cls(actor_id=f"job:{job_name}", actor_role=JOB_ROLE, correlation_id=correlation_id)


@dataclass(frozen=True)
class Reason:
    """Why a decision was made: a code from a closed list, plus optional free text."""

    code: str
    text: str = ""

    def require_in(self, allowed: tuple[str, ...], *, text_required_for: tuple[str, ...] = ("autre",)) -> None:
        """Check the code belongs to the decision's closed list, and its free text holds no invisible character."""
        if self.code not in allowed:
            raise InvalidReasonError(f"motif inconnu : {self.code!r}")
        if self.code in text_required_for and not self.text.strip():
            raise InvalidReasonError("précisez le motif")
        free_text(self.text, "reason_text", "La précision du motif")
