"""The job seeker form (registration and profile change)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

from application.candidates import CandidateDetails
from application.errors import InvalidValueError
from application.ports import Gazetteer
from application.queries.candidates import CandidateView
from application.values import CONSENT_WITHDRAWAL_REASONS, CONTRACT_TYPES, Reason
from web.forms.fields import FieldError, Form, codes, french_or_iso_date, integer, items


def optional_integer(label: str, unit: str = "") -> Callable[[str], int]:
    """An integer field that may be left empty (0: no constraint)."""
    parse = integer(label, unit)

    def read(text: str) -> int:
        return parse(text) if text else 0

    return read


def checked_values(data: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The boxes ticked in a group of checkboxes sharing `name` (unknown values are an error)."""
    raw = data.get(name, [])
    values = [str(v).strip() for v in (raw if isinstance(raw, list) else [raw]) if str(v).strip()]
    if any(v not in allowed for v in values):
        raise FieldError("Type de contrat inconnu.")
    return tuple(values)


@dataclass
class CandidateForm(Form):
    details: CandidateDetails | None = None
    sms_consent: bool = False

    @classmethod
    def empty(cls) -> CandidateForm:
        return cls(values={"mobility_km": "20"})

    @classmethod
    def from_view(cls, view: CandidateView) -> CandidateForm:
        return cls(
            values={
                "first_name": view.first_name,
                "last_name": view.last_name,
                "phone": view.phone,
                "commune": view.commune,
                "rome_codes": " ".join(view.rome_codes),
                "skills": ", ".join(view.skills),
                "available_from": view.available_from,
                "mobility_km": str(view.mobility_km),
                "notes": view.notes,
                "sms_consent": "on" if view.sms_consent else "",
                "contract_types": " ".join(view.contract_types),
                "max_hours_per_week": str(view.max_hours_per_week or ""),
                "salary_min_expected": str(view.salary_min_expected or ""),
                "birth_date": _french_birth_date(view.birth_date),
                "sex": view.sex,
                "priority_area": view.priority_area,
                "version": str(view.version),
            }
        )

    @classmethod
    def parse(cls, data: Mapping[str, Any], gazetteer: Gazetteer) -> CandidateForm:
        form = cls()
        details = CandidateDetails(
            first_name=form.text(data, "first_name"),
            last_name=form.text(data, "last_name"),
            phone=form.text(data, "phone"),
            commune=form.text(data, "commune"),
            rome_codes=codes(form.text(data, "rome_codes")),
            skills=items(form.text(data, "skills")),
            available_from=form.read(
                data, "available_from", french_or_iso_date("La date de disponibilité"), date.today()
            ),
            mobility_km=form.read(data, "mobility_km", integer("Le rayon de mobilité", " de kilomètres"), 0),
            notes=form.text(data, "notes"),
            contract_types=form.contract_types(data),
            max_hours_per_week=form.read(
                data, "max_hours_per_week", optional_integer("La durée hebdomadaire maximale", " d'heures"), 0
            ),
            salary_min_expected=form.read(
                data, "salary_min_expected", optional_integer("Le salaire attendu", " d'euros"), 0
            ),
            birth_date=form.text(data, "birth_date"),
            sex=form.text(data, "sex"),
            priority_area=form.text(data, "priority_area"),
        )
        form.sms_consent = form.checkbox(data, "sms_consent")
        if "version" in data:
            form.text(data, "version")
        if form.errors:
            # Show the other fields' problems too, in the same answer (nothing is saved).
            try:
                details.to_profile(uuid4(), gazetteer)
            except InvalidValueError as error:
                form.add_errors(error.errors)
        else:
            form.details = details
        return form


    def contract_types(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        try:
            chosen = checked_values(data, "contract_types", CONTRACT_TYPES)
        except FieldError as error:
            self.errors["contract_types"] = str(error)
            chosen = ()
        self.values["contract_types"] = " ".join(chosen)
        return chosen


def _french_birth_date(stored: str) -> str:
    """"AAAA-MM-JJ" shown as "JJ/MM/AAAA" (the form's text field); a year alone stays a year."""
    if len(stored) == 10 and stored[4] == "-":
        return f"{stored[8:10]}/{stored[5:7]}/{stored[0:4]}"
    return stored


@dataclass
class ConsentForm(Form):
    """Give or withdraw the SMS consent; a withdrawal needs a reason from the closed list."""

    give: bool = False
    reason: Reason | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ConsentForm:
        form = cls()
        action = form.text(data, "action")
        code = form.text(data, "reason")
        text = form.text(data, "reason_text")
        if action == "give":
            form.give = True
        elif action != "withdraw":
            form.errors["form"] = "Action inconnue : rechargez la page."
        elif code not in CONSENT_WITHDRAWAL_REASONS:
            form.errors["reason"] = "Choisissez un motif de retrait dans la liste."
        elif code == "autre" and not text:
            form.errors["reason_text"] = "Précisez le motif."
        else:
            form.reason = Reason(code, text)
        return form
