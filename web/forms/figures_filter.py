"""The oversight figures' filters, read from the address (GET: the page can be bookmarked and shared)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from application.queries.oversight_figures import FigureFilter, FilterChoices
from web.forms.fields import Form
from web.forms.period import read_period

PARIS = ZoneInfo("Europe/Paris")
FIELDS = ("agence", "conseiller", "modele", "du", "au")


def _day_start(day: Any) -> str:
    """Midnight in Paris (the agencies' day), as the UTC instant the read model compares with."""
    return datetime.combine(day, time(0), PARIS).astimezone(UTC).isoformat()


@dataclass
class FigureFilterForm(Form):
    figure_filter: FigureFilter | None = None

    @classmethod
    def parse(cls, query: Mapping[str, Any], choices: FilterChoices) -> FigureFilterForm:
        form = cls()
        agency, advisor, model = (form.text(query, name) for name in ("agence", "conseiller", "modele"))
        if agency and agency not in choices.agencies:
            form.errors["agence"] = "Agence inconnue : choisissez-la dans la liste."
        if advisor and advisor not in {account_id for account_id, _ in choices.advisors}:
            form.errors["conseiller"] = "Conseiller inconnu : choisissez-le dans la liste."
        if model and model not in choices.models:
            form.errors["modele"] = "Modèle inconnu : choisissez-le dans la liste."
        since, until = read_period(form, query)
        if not form.errors:
            form.figure_filter = FigureFilter(
                agency_id=agency, advisor_id=advisor, model=model,
                since=_day_start(since) if since else "",
                until=_day_start(until + timedelta(days=1)) if until else "",  # the end day is included
            )
        return form

    @property
    def query(self) -> dict[str, str]:
        return {name: self.values.get(name, "") for name in FIELDS if self.values.get(name)}

