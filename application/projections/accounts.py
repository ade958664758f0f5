"""Staff accounts as the sign-in page and the admin pages read them (`rm_accounts`)."""
from __future__ import annotations

from typing import Any

from application.ports import Transaction
from application.projections.rows import insert_row, update_row
from domain.account import Account


class AccountProjection:
    name = "accounts"
    topics = ("domain.account:",)

    def reset(self, tx: Transaction) -> None:
        tx.execute("DELETE FROM rm_accounts")

    def apply(self, event: Any, tx: Transaction) -> None:
        if isinstance(event, Account.Opened):
            insert_row(
                tx,
                "rm_accounts",
                event,
                {
                    "username": event.username,
                    "role": event.role,
                    "agency_id": event.agency_id,
                    "password_hash": event.password_hash,
                    "active": 1,
                    "created_at": event.timestamp.isoformat(),
                },
            )
        elif isinstance(event, Account.RoleAssigned):
            update_row(tx, "rm_accounts", event, {"role": event.role, "agency_id": event.agency_id})
        elif isinstance(event, Account.PasswordChanged):
            update_row(tx, "rm_accounts", event, {"password_hash": event.password_hash})
