"""Row writes shared by the projections: one row per aggregate, stamped with its version."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from application.ports import Transaction

NOTHING_COMPUTED: Mapping[str, str] = {}


def insert_row(
    tx: Transaction, table: str, event: Any, columns: dict[str, Any], computed: Mapping[str, str] = NOTHING_COMPUTED
) -> None:
    """`computed`: columns whose value is an SQL expression (constant text of the projection, never data),
    worked out in the same statement."""
    columns = {
        "id": str(event.originator_id),
        **columns,
        "version": event.originator_version,
        "updated_at": event.timestamp.isoformat(),
    }
    names = ", ".join([*columns, *computed])
    marks = ", ".join(["?"] * len(columns) + list(computed.values()))
    tx.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(columns.values()))


def update_row(
    tx: Transaction, table: str, event: Any, columns: dict[str, Any], computed: Mapping[str, str] = NOTHING_COMPUTED
) -> None:
    columns = {**columns, "version": event.originator_version, "updated_at": event.timestamp.isoformat()}
    assignments = ", ".join([f"{name} = ?" for name in columns] + [f"{name} = {sql}" for name, sql in computed.items()])
    tx.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*columns.values(), str(event.originator_id)))
