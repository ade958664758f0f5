"""The auditor's view of recorded commune codes: an event keeps the INSEE code it was recorded with, and a
later COG may have merged that commune into another. Where it has, the auditor sees both: the code as
recorded, and today's commune (docs/adr/0005, amendment of session 5)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def is_commune_code(field: str) -> bool:
    """A flattened event or state field holding a commune's code: "profile.commune_code", "criteria.commune_code"."""
    return field == "commune_code" or field.endswith(".commune_code")


def communes_today(gazetteer: Any, fields: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Recorded code -> "Cherbourg-en-Cotentin (50129)", for the codes that designate another commune today.
    Codes still current are left out (nothing to add); so are codes no data knows ("unknown" says it)."""
    notes: dict[str, str] = {}
    for values in fields:
        for field, code in values.items():
            if not code or code in notes or not is_commune_code(field):
                continue
            today = gazetteer.today(code)
            if today.code and today.code != code:
                notes[code] = f"{today.label} ({today.code})"
    return notes
