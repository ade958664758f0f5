"""The offer form (publication and change) and the closing form."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from application.errors import InvalidValueError
from application.queries.offers import OfferView
from application.values import CLOSING_REASONS, OfferTerms, Reason
from web.forms.fields import Form, integer, items


@dataclass
class OfferForm(Form):
    terms: OfferTerms | None = None

    @classmethod
    def empty(cls) -> OfferForm:
        return cls(values={"contract_type": "CDI", "hours_per_week": "35"})

    @classmethod
    def from_view(cls, view: OfferView) -> OfferForm:
        return cls(
            values={
                "title": view.title,
                "rome_code": view.rome_code,
                "skills": ", ".join(view.skills),
                "commune": view.commune,
                "contract_type": view.contract_type,
                "hours_per_week": str(view.hours_per_week),
                "salary_min": str(view.salary_min),
                "salary_max": str(view.salary_max),
                "description": view.description,
                "version": str(view.version),
            }
        )

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> OfferForm:
        form = cls()
        euros = " d'euros"
        terms = OfferTerms(
            title=form.text(data, "title"),
            rome_code=form.text(data, "rome_code"),
            skills=items(form.text(data, "skills")),
            commune=form.text(data, "commune"),
            contract_type=form.text(data, "contract_type"),
            hours_per_week=form.read(data, "hours_per_week", integer("La durée hebdomadaire", " d'heures"), 35),
            salary_min=form.read(data, "salary_min", integer("Le salaire minimum", euros), 0),
            salary_max=form.read(data, "salary_max", integer("Le salaire maximum", euros), 0),
            description=form.text(data, "description"),
        )
        if "version" in data:
            form.text(data, "version")
        if form.errors:
            try:
                terms.validated()
            except InvalidValueError as error:
                form.add_errors(error.errors)
        else:
            form.terms = terms
        return form


@dataclass
class CloseOfferForm(Form):
    reason: Reason | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> CloseOfferForm:
        form = cls()
        code = form.text(data, "reason")
        text = form.text(data, "reason_text")
        if code not in CLOSING_REASONS:
            form.errors["reason"] = "Choisissez un motif de clôture dans la liste."
        elif code == "autre" and not text:
            form.errors["reason_text"] = "Précisez le motif."
        else:
            form.reason = Reason(code, text)
        return form
