"""A compliance export of the event log: who exported which stretch of it, and the signed head.

Exports carry people's data decrypted, so taking one is itself recorded in the log it exports.
"""
from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.provenance import Provenance


class LogExport(Aggregate):
    """One export (relais-export/1); its id follows from the export's own id, so it is recorded once."""

    @staticmethod
    def create_id(export_id: str) -> UUID:  # type: ignore[override]
        return uuid5(NAMESPACE_URL, f"relais:log-export:{export_id}")

    @event("Made")
    def __init__(
        self, export_id: str, since: str, until: str, count: int, first_sequence: int, last_sequence: int,
        head: str, key_id: str, provenance: Provenance, timestamp: datetime, log_integrity: str = "",
    ) -> None:
        self.export_id = export_id
        self.count = count
        self.head = head
        # The log's integrity check before the export: "verified", or "failed: <kind>" when an operator
        # exported a failing log as it was (--despite-integrity-failure); "" in exports recorded before.
        self.log_integrity = log_integrity
