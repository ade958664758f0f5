"""The shortlist forms: the criteria of a request, rejecting a suggestion, adding someone by hand."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.errors import InvalidValueError
from application.values import (
    DEFAULT_LIMIT,
    MANUAL_ADDITION_REASONS,
    REJECTION_REASONS,
    MatchCriteria,
    Reason,
)
from web.forms.fields import FieldError, Form, french_or_iso_date, integer, items

NOT_A_DATE = date(1970, 1, 1)  # placeholder while the field is wrong (never used: the form has an error)


def optional_integer(label: str, unit: str = "", empty: int = 0):  # noqa: ANN201 - a parser
    """A whole number, or `empty` when the field is left blank ("not specified")."""
    strict = integer(label, unit)

    def parse(text: str) -> int:
        return strict(text) if text else empty

    return parse


@dataclass
class CriteriaForm(Form):
    criteria: MatchCriteria | None = None

    @classmethod
    def from_criteria(cls, criteria: MatchCriteria) -> CriteriaForm:
        def number(value: int) -> str:
            return str(value) if value else ""

        return cls(
            values={
                "rome_code": criteria.rome_code,
                "required_skills": ", ".join(criteria.required_skills),
                "optional_skills": ", ".join(criteria.optional_skills),
                "commune": criteria.commune,
                "max_distance_km": str(criteria.max_distance_km),
                "contract_type": criteria.contract_type,
                "hours_per_week": number(criteria.hours_per_week),
                "available_by": criteria.available_by.isoformat(),
                "salary_min": number(criteria.salary_min),
                "salary_max": number(criteria.salary_max),
                "limit": str(criteria.limit),
            }
        )

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> CriteriaForm:
        form = cls()
        euros = " d'euros"
        criteria = MatchCriteria(
            rome_code=form.text(data, "rome_code"),
            commune=form.text(data, "commune"),
            available_by=form.read(data, "available_by", french_or_iso_date("La date de disponibilité"), NOT_A_DATE),
            required_skills=items(form.text(data, "required_skills")),
            optional_skills=items(form.text(data, "optional_skills")),
            max_distance_km=form.read(data, "max_distance_km", integer("La distance maximale", " de kilomètres"), 30),
            contract_type=form.text(data, "contract_type"),
            hours_per_week=form.read(data, "hours_per_week", optional_integer("La durée hebdomadaire", " d'heures"), 0),
            salary_min=form.read(data, "salary_min", optional_integer("Le salaire minimum", euros), 0),
            salary_max=form.read(data, "salary_max", optional_integer("Le salaire maximum", euros), 0),
            limit=form.read(
                data, "limit", optional_integer("Le nombre de suggestions", empty=DEFAULT_LIMIT), DEFAULT_LIMIT
            ),
        )
        try:
            criteria = criteria.validated()  # the use case checks again (and knows the communes)
        except InvalidValueError as error:
            form.add_errors(error.errors)
        if not form.errors:
            form.criteria = criteria
        return form


def _reason(form: Form, data: Mapping[str, Any], allowed: tuple[str, ...], missing: str) -> Reason | None:
    code = form.text(data, "reason")
    text = form.text(data, "reason_text")
    if code not in allowed:
        form.errors["reason"] = missing
    elif code == "autre" and not text:
        form.errors["reason_text"] = "Précisez le motif."
    else:
        return Reason(code, text)
    return None


@dataclass
class RejectForm(Form):
    reason: Reason | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> RejectForm:
        form = cls()
        form.reason = _reason(form, data, REJECTION_REASONS, "Choisissez un motif de rejet dans la liste.")
        return form


@dataclass
class ManualAdditionForm(Form):
    candidate_id: UUID | None = None
    reason: Reason | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ManualAdditionForm:
        form = cls()

        def person(text: str) -> UUID | None:
            try:
                return UUID(text)
            except ValueError:
                raise FieldError("Choisissez un demandeur de votre agence dans la liste.") from None

        candidate_id = form.read(data, "candidate_id", person, None)
        reason = _reason(form, data, MANUAL_ADDITION_REASONS, "Choisissez un motif d'ajout dans la liste.")
        if not form.errors:
            form.candidate_id, form.reason = candidate_id, reason
        return form
