"""Staff accounts: sign-in look-up, admin list, and the duplicate checks of commands."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.caller import Caller
from application.errors import NotFoundError
from application.ports import Database, Row


@dataclass(frozen=True)
class AccountView:
    id: str
    username: str
    role: str
    agency_id: str
    active: bool
    version: int
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> AccountView:
        return cls(
            id=row["id"],
            username=row["username"],
            role=row["role"],
            agency_id=row["agency_id"],
            active=bool(row["active"]),
            version=int(row["version"]),
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class Credentials:
    account: AccountView
    password_hash: str


class AccountQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def credentials(self, username: str) -> Credentials | None:
        """For sign-in only: the account and its password hash."""
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM rm_accounts WHERE username = ?", (username.strip().lower(),))
        if row is None:
            return None
        return Credentials(AccountView.from_row(row), row["password_hash"])

    def by_id(self, account_id: str) -> AccountView | None:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM rm_accounts WHERE id = ?", (account_id,))
        return AccountView.from_row(row) if row else None

    def list(self, caller: Caller) -> list[AccountView]:
        caller.require_role("admin")
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT * FROM rm_accounts ORDER BY role, username")
        return [AccountView.from_row(r) for r in rows]

    def agencies(self, caller: Caller) -> list[str]:
        """The agencies that exist: those staff accounts belong to (Relais keeps no other list).
        The admin's form offers them; `relais create-user` refuses any other without --new-agency."""
        caller.require_role("admin")
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT DISTINCT agency_id FROM rm_accounts WHERE agency_id <> '' ORDER BY agency_id")
        return [r["agency_id"] for r in rows]

    def get(self, caller: Caller, account_id: UUID) -> AccountView:
        caller.require_role("admin")
        account = self.by_id(str(account_id))
        if account is None:
            raise NotFoundError(str(account_id))
        return account


class ReadModelDirectory:
    """Duplicate accounts answered from the read model (a race ends on the account's derived id, docs/adr/0004)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def account_exists(self, username: str) -> bool:
        with self.database.read() as tx:
            return tx.fetchone("SELECT 1 AS x FROM rm_accounts WHERE username = ?", (username,)) is not None

    def active_administrators(self) -> frozenset[str]:
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT id FROM rm_accounts WHERE role = 'admin' AND active = 1")
        return frozenset(row["id"] for row in rows)

    def has_agency(self, agency_id: str) -> bool:
        with self.database.read() as tx:
            return tx.fetchone("SELECT 1 AS x FROM rm_accounts WHERE agency_id = ? LIMIT 1", (agency_id,)) is not None
