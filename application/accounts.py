"""Use cases of staff accounts: open, assign a role, change a password."""
from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.caller import Caller
from application.errors import DuplicateError
from domain.account import Account
from domain.errors import InvalidValueError

if TYPE_CHECKING:
    from application.app import Relais

MIN_PASSWORD_LENGTH = 12
DUPLICATE_USERNAME = "Cet identifiant existe déjà."


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError({"password": f"Le mot de passe fait au moins {MIN_PASSWORD_LENGTH} caractères."})


def check_account_details(username: str, role: str, agency_id: str, password: str, agency_exists: bool) -> str:
    """The normalised user name, or InvalidValueError naming every bad field: what can be judged of a new
    account without the database (`relais create-user` asks before it opens one)."""
    errors: dict[str, str] = {}
    try:
        username = Account.check_opening(username, role, agency_id.strip(), agency_exists)
    except InvalidValueError as error:
        errors.update(error.errors)
    try:
        check_password_strength(password)
    except InvalidValueError as error:
        errors.update(error.errors)
    if errors:
        raise InvalidValueError(errors)
    return username


class AccountCommands:
    def check_account_opening(self: Relais, username: str, role: str, agency_id: str, password: str, caller: Caller) -> str:
        """The normalised user name, or InvalidValueError naming every bad field; nothing is saved.
        The admin's form calls it alone when it has refused a field itself (to show all the problems at once)."""
        caller.require_role("admin")
        agency = agency_id.strip()
        return check_account_details(username, role, agency, password, bool(agency) and self.directory.has_agency(agency))

    def open_account(self: Relais, username: str, role: str, agency_id: str, password: str, caller: Caller) -> UUID:
        username = self.check_account_opening(username, role, agency_id, password, caller)
        if self.directory.account_exists(username):
            raise DuplicateError("username", DUPLICATE_USERNAME)
        # Hash only once the input is known to be valid: argon2 is deliberately slow.
        account = Account(username, role, agency_id.strip(), self.passwords.hash(password), caller.provenance, self._now())
        try:
            self.save(account)
        except IntegrityError:  # the id is derived from the user name: a concurrent twin
            raise DuplicateError("username", DUPLICATE_USERNAME) from None
        return account.id

    def assign_role(
        self: Relais, account_id: UUID, expected_version: int, role: str, agency_id: str, caller: Caller
    ) -> int:
        caller.require_role("admin")
        account: Account = self._get_at_version(account_id, Account, expected_version)
        # Read from the read model, which each save updates in its transaction. Two administrators demoting
        # each other at the same instant could both pass: accepted, see docs/adr/0022.
        others = len(self.directory.active_administrators() - {str(account.id)})
        agency = agency_id.strip()
        account.assign_role(role, agency, caller.provenance, self._now(), other_administrators=others,
                            agency_exists=bool(agency) and self.directory.has_agency(agency))
        self._save(account)
        return account.version

    def change_password(self: Relais, account_id: UUID, password: str, caller: Caller) -> None:
        if caller.actor_id != str(account_id):
            caller.require_role("admin")
        check_password_strength(password)
        account: Account = self._get(account_id, Account)
        account.change_password(self.passwords.hash(password), caller.provenance, self._now())
        self._save(account)
