"""The history search form (GET): every filter optional; a bad one is a French 400, never a 500."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode
from uuid import UUID

from application.queries.history import AGGREGATE_TYPES, HistoryFilters
from web.errors import BadRequestError
from web.forms.fields import in_period_range

FIELDS = ("personne", "offre", "dossier", "type", "evenement", "acteur", "agence", "du", "au")
MAX_LENGTH = 100


def _uuid(raw: str, label: str) -> UUID | None:
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise BadRequestError(f"{label} : identifiant invalide (attendu : un identifiant de fiche).") from None


def _day(raw: str, label: str) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadRequestError(f"{label} : date invalide (attendu : AAAA-MM-JJ).") from None
    if not in_period_range(day):
        raise BadRequestError(f"{label} : date hors de la période consultable (1900 à 9998).")
    return day


def read_filters(params: Mapping[str, str]) -> tuple[HistoryFilters, dict[str, str]]:
    """The filters, and the values as typed (to refill the form and build page links)."""
    values = {name: str(params.get(name, "")).strip()[:MAX_LENGTH] for name in FIELDS}
    kind = values["type"]
    if kind and kind not in AGGREGATE_TYPES:
        raise BadRequestError("Type de fiche inconnu.")
    since, until = _day(values["du"], "Du"), _day(values["au"], "Au")
    if since and until and since > until:
        raise BadRequestError("La période est inversée : la date « du » doit précéder la date « au ».")
    filters = HistoryFilters(
        person=values["personne"],
        offer_id=_uuid(values["offre"], "Offre"),
        record_id=_uuid(values["dossier"], "Fiche"),
        aggregate_type=kind,
        event_type=values["evenement"],
        actor=values["acteur"],
        agency_id=values["agence"],
        since=since,
        until=until,
    )
    return filters, values


def query_string(values: Mapping[str, str], page: int) -> str:
    kept = {k: v for k, v in values.items() if v}
    return urlencode({**kept, "page": page})
