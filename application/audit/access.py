"""Use case: record that an auditor opened a page (issue 5: every page an auditor opens is itself recorded)."""
from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from domain.audit_access import AuditAccess

if TYPE_CHECKING:
    from application.app import Relais

MAX_PATH = 500
MAX_QUERY = 1000


class AuditAccessCommands:
    def record_audit_access(self: Relais, method: str, path: str, aggregate_id: str, query: str, caller: Caller) -> UUID:
        """One new aggregate per view: nothing is read first, so recording stays one insert."""
        access = AuditAccess.record(
            method.upper()[:10], path[:MAX_PATH], aggregate_id, query[:MAX_QUERY], caller.provenance, self._now()
        )
        self._save(access)
        return access.id
