"""The auditors' recorded searches whose day key still exists (erasure reads them, docs/adr/0015)."""
from __future__ import annotations

from application.ports import Database


class ReadModelAuditSearches:
    def __init__(self, database: Database) -> None:
        self.database = database

    def live_searches(self) -> list[tuple[str, str]]:
        with self.database.read() as tx:
            rows = tx.fetchall(
                "SELECT s.access_id, s.key_subject FROM rm_audit_searches s "
                "JOIN personal_keys k ON k.subject_id = s.key_subject "
                "WHERE k.wrapped_key <> '' ORDER BY s.key_subject, s.opened_at"
            )
        return [(row["access_id"], row["key_subject"]) for row in rows]
