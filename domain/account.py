"""Account: a member of staff who signs in (advisor, auditor, compliance, admin)."""
from __future__ import annotations

import re
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidValueError, LastAdministratorError
from domain.provenance import ROLES, Provenance

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
#: Roles whose pages are scoped to one agency.
AGENCY_SCOPED_ROLES = ("advisor",)
ADMIN = "admin"
LAST_ADMINISTRATOR = "Il faut au moins un administrateur actif : nommez d'abord un autre administrateur."


#: An agency's id, as the admin's form and `relais create-user` both accept it: it appears in addresses
#: (`?agence=`) and in the oversight figures' filters, so no spaces, capitals or punctuation.
AGENCY_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
BAD_AGENCY_ID = "Identifiant d'agence de 1 à 40 caractères : lettres minuscules, chiffres et tirets (ex. lyon-est)."
#: An agency scopes an advisor's pages; on any other role it would suggest a scoping that does not exist.
AGENCY_OF_OTHER_ROLE = "Seul un conseiller est rattaché à une agence : choisissez « Aucune » pour ce rôle."


def is_agency_id(text: str) -> bool:
    return AGENCY_ID.fullmatch(text) is not None


def validate_role_and_agency(role: str, agency_id: str, agency_exists: bool = False) -> None:
    """`agency_exists`: an agency some account already belongs to keeps its id, made perhaps before the
    rule (review 8, finding 6): only a new agency's id must follow AGENCY_ID."""
    if role not in ROLES:
        raise InvalidValueError({"role": "Rôle inconnu."})
    if role not in AGENCY_SCOPED_ROLES:
        if agency_id:
            raise InvalidValueError({"agency_id": AGENCY_OF_OTHER_ROLE})
    elif not agency_id:
        raise InvalidValueError({"agency_id": "Un conseiller est rattaché à une agence."})
    elif not agency_exists and not is_agency_id(agency_id):
        raise InvalidValueError({"agency_id": BAD_AGENCY_ID})


class Account(Aggregate):
    """An account is an aggregate so that granting and changing rights is itself audited."""

    @staticmethod
    def create_id(username: str) -> UUID:
        # One account per user name: a second creation collides on the id.
        return uuid5(NAMESPACE_URL, f"relais:account:{username.lower()}")

    @staticmethod
    def check_opening(username: str, role: str, agency_id: str, agency_exists: bool = False) -> str:
        """The normalised user name, once the name, role and agency are acceptable."""
        username = username.strip().lower()
        errors: dict[str, str] = {}
        if not USERNAME.match(username):
            errors["username"] = "Identifiant de 3 à 40 caractères : lettres minuscules, chiffres, . _ -"
        try:
            validate_role_and_agency(role, agency_id, agency_exists)
        except InvalidValueError as error:
            errors.update(error.errors)
        if errors:
            raise InvalidValueError(errors)
        return username

    @event("Opened")
    def __init__(
        self, username: str, role: str, agency_id: str, password_hash: str, provenance: Provenance, timestamp: datetime
    ) -> None:
        self.username = username
        self.role = role
        self.agency_id = agency_id
        self.password_hash = password_hash
        self.active = True

    def assign_role(
        self, role: str, agency_id: str, provenance: Provenance, timestamp: datetime, *, other_administrators: int,
        agency_exists: bool = False,
    ) -> None:
        """`other_administrators`: the active administrators besides this account (the caller counts them).
        Without one, nobody could open accounts or switch the AI off from the UI any more."""
        validate_role_and_agency(role, agency_id, agency_exists or agency_id == self.agency_id)
        if self.role == ADMIN and self.active and role != ADMIN and other_administrators < 1:
            raise LastAdministratorError(LAST_ADMINISTRATOR)
        if (role, agency_id) != (self.role, self.agency_id):
            self._assign_role(role, agency_id, provenance, timestamp)

    @event("RoleAssigned")
    def _assign_role(self, role: str, agency_id: str, provenance: Provenance, timestamp: datetime) -> None:
        self.role = role
        self.agency_id = agency_id

    @event("PasswordChanged")
    def change_password(self, password_hash: str, provenance: Provenance, timestamp: datetime) -> None:
        self.password_hash = password_hash
