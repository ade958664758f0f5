"""Who is calling a use case: the signed-in account (or a job) and the request id."""
from __future__ import annotations

from dataclasses import dataclass

from application.errors import AccessDeniedError
from domain.provenance import Provenance


@dataclass(frozen=True)
class Caller:
    actor_id: str
    role: str
    agency_id: str
    correlation_id: str
    username: str = ""

    @property
    def provenance(self) -> Provenance:
        return Provenance(actor_id=self.actor_id, actor_role=self.role, correlation_id=self.correlation_id)

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise AccessDeniedError(f"role {self.role!r} may not do this")

    def require_agency(self, agency_id: str) -> None:
        """Advisors act only on their own agency's people and offers."""
        if self.role == "advisor" and agency_id != self.agency_id:
            raise AccessDeniedError("another agency's record")

    @classmethod
    def job(cls, job_name: str, correlation_id: str) -> Caller:
        return cls(actor_id=f"job:{job_name}", role="job", agency_id="", correlation_id=correlation_id)

    @classmethod
    def cli(cls, correlation_id: str, actor: str = "cli") -> Caller:
        """An operator at the command line acts as an administrator."""
        return cls(actor_id=f"cli:{actor}", role="admin", agency_id="", correlation_id=correlation_id)
