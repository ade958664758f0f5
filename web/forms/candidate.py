"""The job seeker form (registration and profile change)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

from application.candidates import CandidateDetails
from application.errors import InvalidValueError
from application.ports import Gazetteer
from application.queries.candidates import CandidateView
from application.values import CONSENT_WITHDRAWAL_REASONS, Reason
from web.forms.fields import Form, codes, french_or_iso_date, integer, items


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
