"""Row writes shared by the projections: one row per aggregate, stamped with its version."""
from __future__ import annotations

from typing import Any

from application.ports import Transaction


def insert_row(tx: Transaction, table: str, event: Any, columns: dict[str, Any]) -> None:
    columns = {
        "id": str(event.originator_id),
        **columns,
        "version": event.originator_version,
        "updated_at": event.timestamp.isoformat(),
    }
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    tx.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(columns.values()))


def update_row(tx: Transaction, table: str, event: Any, columns: dict[str, Any]) -> None:
    columns = {**columns, "version": event.originator_version, "updated_at": event.timestamp.isoformat()}
    assignments = ", ".join(f"{name} = ?" for name in columns)
    tx.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*columns.values(), str(event.originator_id)))
