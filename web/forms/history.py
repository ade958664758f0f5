"""The history search form (GET): every filter optional; a bad one is named beside its field, with a 400."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from application.queries.history import AGGREGATE_TYPES, HistoryFilters
from web.forms.fields import FieldError, Form
from web.forms.period import read_period

FIELDS = ("personne", "offre", "dossier", "type", "evenement", "acteur", "agence", "du", "au")
#: Words typed to find people, actors, agencies: longer than any name, and the search reads six words at most.
MAX_LENGTH = 100


def _record_id(label: str) -> Callable[[str], UUID | None]:
    def read(text: str) -> UUID | None:
        if not text:
            return None
        try:
            return UUID(text)
        except ValueError:
            raise FieldError(f"{label} doit être un identifiant de fiche (copiez-le depuis sa page).") from None

    return read


@dataclass
class HistorySearchForm(Form):
    filters: HistoryFilters | None = None  # None: a filter is wrong, nothing is searched

    @classmethod
    def parse(cls, query: Mapping[str, Any], event_types: Collection[str] = ()) -> HistorySearchForm:
        """`event_types`: those the log holds (the list the form offers); another one is named as unknown."""
        form = cls()
        person, event_type, actor, agency = (form.text(query, name)[:MAX_LENGTH]
                                             for name in ("personne", "evenement", "acteur", "agence"))
        kind = form.text(query, "type")
        if kind and kind not in AGGREGATE_TYPES:
            form.errors["type"] = "Type de fiche inconnu : choisissez-le dans la liste."
        if event_type and event_types and event_type not in event_types:
            form.errors["evenement"] = "Aucun événement de ce type dans le journal : choisissez-le dans la liste."
        offer_id = form.read(query, "offre", _record_id("L'offre"), None)
        record_id = form.read(query, "dossier", _record_id("La fiche"), None)
        since, until = read_period(form, query)
        if form.valid:
            form.filters = HistoryFilters(person=person, offer_id=offer_id, record_id=record_id,
                                          aggregate_type=kind, event_type=event_type, actor=actor,
                                          agency_id=agency, since=since, until=until)
        return form

    def page_query(self, page: int) -> str:
        """The address of another page of the same search."""
        kept = {name: self.values[name].strip()[:MAX_LENGTH] for name in FIELDS if self.values.get(name, "").strip()}
        return urlencode({**kept, "page": page})
