"""The admin's account forms: open an account, assign a role and an agency.

An account's agency is chosen among those that exist (`AccountQueries.agencies`, the list
`relais create-user` checks too); a new agency is opened only through its own field, so a typo
in an existing agency's id cannot quietly open a second one (docs/adr/0007, session 6).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from web.forms.fields import Form


@dataclass
class AgencyForm(Form):
    """A form with an agency: `agency_id` (one that exists, or none) or `new_agency` (opened on purpose)."""

    agency: str = ""

    def read_agency(self, data: Mapping[str, Any], agencies: Sequence[str]) -> None:
        chosen, new = self.text(data, "agency_id"), self.text(data, "new_agency")
        if chosen and new:
            self.errors["new_agency"] = (
                "Choisissez une agence de la liste ou ouvrez-en une nouvelle, pas les deux : videz l'un des champs."
            )
        elif chosen and chosen not in agencies:
            self.errors["agency_id"] = (
                "Agence inconnue : choisissez-la dans la liste, ou ouvrez-la dans le champ « Nouvelle agence »."
            )
        # A new agency's id is checked by the application (the rule `relais create-user` applies too).
        self.agency = new or chosen

    def place_agency_errors(self) -> None:
        """The application names the agency `agency_id`: show its error beside the field the admin used."""
        if self.values.get("new_agency") and "agency_id" in self.errors:
            self.errors.setdefault("new_agency", self.errors.pop("agency_id"))


@dataclass
class OpenAccountForm(AgencyForm):
    password: str = ""

    @classmethod
    def empty(cls) -> OpenAccountForm:
        return cls(values={"role": "advisor"})

    @classmethod
    def parse(cls, data: Mapping[str, Any], agencies: Sequence[str]) -> OpenAccountForm:
        form = cls()
        for name in ("username", "role"):
            form.text(data, name)
        form.read_agency(data, agencies)
        raw = data.get("password", "")
        # The password is never echoed back into the page.
        form.password = str(raw[-1] if isinstance(raw, list) and raw else raw)
        return form


@dataclass
class AssignRoleForm(AgencyForm):
    @classmethod
    def parse(cls, data: Mapping[str, Any], agencies: Sequence[str]) -> AssignRoleForm:
        form = cls()
        for name in ("role", "version"):
            form.text(data, name)
        form.read_agency(data, agencies)
        return form
