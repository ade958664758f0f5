"""The auditors' recorded searches, as erasure reads them (docs/adr/0015): which still have their day key,
and their stored records, many per query.

Reading each search through the repository costs a round trip and an aggregate rebuild per search
(measured 1–3 ms each under load); one query per batch of ids reads them at a fraction of that.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from infrastructure.database import PostgresDatabase, SQLiteDatabase


class DatabaseAuditSearches:
    def __init__(self, database: SQLiteDatabase | PostgresDatabase, recorder: Any) -> None:
        self.database = database
        table = recorder.events_table_name
        schema = getattr(getattr(recorder, "datastore", None), "schema", "public") or "public"
        self.table = table if database.dialect == "sqlite" else f'"{schema}"."{table}"'

    def live_searches(self) -> list[tuple[str, str]]:
        with self.database.read() as tx:
            rows = tx.fetchall(
                "SELECT s.access_id, s.key_subject FROM rm_audit_searches s "
                "JOIN personal_keys k ON k.subject_id = s.key_subject "
                "WHERE k.wrapped_key <> '' ORDER BY s.key_subject, s.opened_at"
            )
        return [(row["access_id"], row["key_subject"]) for row in rows]

    def recorded(self, access_ids: Sequence[str]) -> list[StoredEvent]:
        """The stored records of these page views (one event each), in one query."""
        if not access_ids:
            return []
        ids = [uuid.UUID(a) for a in access_ids]
        with self.database.read() as tx:
            if self.database.dialect == "sqlite":  # the SQLite recorder stores ids as hex text
                rows = tx.fetchall(
                    f"SELECT originator_id, originator_version, topic, state FROM {self.table} "
                    f"WHERE originator_id IN ({', '.join('?' * len(ids))})", [i.hex for i in ids],
                )
            else:
                rows = tx.fetchall(
                    f"SELECT originator_id, originator_version, topic, state FROM {self.table} "
                    "WHERE originator_id = ANY(?)", [ids],
                )
        return [StoredEvent(uuid.UUID(str(r["originator_id"])), r["originator_version"], r["topic"], bytes(r["state"]))
                for r in rows]
