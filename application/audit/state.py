"""An aggregate's state as an auditor reads it: flat "field path -> text" pairs, and what changed between two.

Generic on purpose: any aggregate (today's and those other features add) is shown without a
view of its own. Secrets are masked (application/secret_fields.py: the export's rule too);
personal data shows as decrypted, or "[effacé]".
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from application.secret_fields import MASKED, is_secret
from domain.erasure_request import is_register_subject
from domain.personal_data import PersonalData

#: What an auditor reads in place of an erasure request's reference (sealed for compliance).
COMPLIANCE_ONLY = "[chiffrée : réservée à la conformité]"
#: The library's own bookkeeping, shown elsewhere on the page (version, dates) or not at all.
INTERNAL = ("_id", "_version", "_created_on", "_modified_on", "_pending_events", "id", "version")


#: Types whose `text_of` is their `str` (a bool's is "oui"/"non": not among them).
_AS_STR = frozenset({str, int, float, UUID})


def text_of(value: Any) -> str:
    """One value as text: personal data as its (decrypted or erased) value, except an erasure request's
    reference, which is compliance's to read; dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, PersonalData):
        return COMPLIANCE_ONLY if is_register_subject(value.subject_id) and not value.erased else value.value
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested values as {"terms.title": "Agent", "shortlist.suggestions.<id>.decision": "accepted", ...}."""
    out: dict[str, str] = {}
    _walk(value, prefix, out)
    return out


def _walk(value: Any, path: str, out: dict[str, str]) -> None:
    leaf = path.rsplit(".", 1)[-1]
    if path and is_secret(leaf):
        out[path] = MASKED
        return
    if isinstance(value, PersonalData | str | int | float | bool | UUID | datetime | date | Enum) or value is None:
        out[path] = text_of(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name), _join(path, f.name), out)
    elif isinstance(value, dict):
        if not value:
            out[path] = ""
        for key, item in value.items():
            _walk(item, _join(path, text_of(key)), out)
    elif isinstance(value, list | tuple | set | frozenset):
        unordered = isinstance(value, set | frozenset)  # shown sorted by their text
        items = list(value)
        if _AS_STR.issuperset(map(type, items)):  # ids mostly (an offer's superseded suggestions: 700 or more)
            texts = list(map(str, items))  # their `text_of`, without its checks
            out[path] = ", ".join(sorted(texts) if unordered else texts)
        elif all(isinstance(i, str | int | float | UUID | PersonalData) for i in items):
            texts = [text_of(i) for i in items]  # once each: an id's text is a tenth of a 1,000-event view
            out[path] = ", ".join(sorted(texts) if unordered else texts)
        else:
            if unordered:
                items.sort(key=text_of)
            for n, item in enumerate(items, start=1):
                _walk(item, _join(path, str(n)), out)
    elif hasattr(value, "__dict__"):
        for name, item in vars(value).items():
            if name not in INTERNAL and not name.startswith("__"):
                _walk(item, _join(path, name.lstrip("_")), out)
    else:
        out[path] = str(value)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def aggregate_state(aggregate: Any) -> dict[str, str]:
    """The aggregate's own fields, without the library's bookkeeping."""
    return flatten(aggregate)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field did not exist yet
    after: str | None  # None: the field no longer exists


def diff(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    """The fields that differ, in field order; added and removed fields included."""
    changes = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes.append(Change(name, old, new))
    return changes
