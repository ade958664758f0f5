"""The INSEE code of the commune a job seeker or an offer is placed in (docs/adr/0005, amendment of session 4).

Events record the commune's code beside its label, so that a renaming or a merger of a later Code
officiel géographique leaves stored records pointing at the right commune. Events written before
held only the label: their upcasts (`with_code`) ask the resolver the application installed
(its gazetteer) for the commune that label designates, and record UNKNOWN when it designates no
single commune (a bare homonym such as "Sainte-Colombe"). The log itself is never rewritten.

A code recorded before a later COG merged its commune stays in the event as it was recorded;
readers that place or group people ask `code_today` (the same resolver) for the commune it is
part of now (session 5 amendment of docs/adr/0005).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from domain.errors import InvalidValueError

#: Recorded when a stored label designates no single commune (or when no resolver is installed).
UNKNOWN = "unknown"
#: Five digits, or 2A/2B and three digits (Corsica); overseas codes are 97xxx.
INSEE_CODE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")

#: label -> INSEE code, or None when it designates no single commune.
LabelResolver = Callable[[str], "str | None"]
_resolver: list[LabelResolver] = []


def resolve_labels_with(resolver: LabelResolver) -> None:
    """Installs how stored labels are read into codes when old events are loaded (one per process;
    every gazetteer of a process reads the same packaged data)."""
    _resolver[:] = [resolver]


def code_of_stored_label(label: str) -> str:
    """The INSEE code the label designates, or UNKNOWN."""
    found = _resolver[0](label) if _resolver else None
    return found if found and INSEE_CODE.match(found) else UNKNOWN


def code_today(code: str) -> str:
    """The code of the commune a recorded code designates today: the same code, or for a code a merger
    retired, the code of the commune it was merged into. Anything else (UNKNOWN, "", a code no data
    knows, no resolver installed) is returned as it is: never an error."""
    if not known(code) or not _resolver:
        return code
    found = _resolver[0](code)
    return found if found and INSEE_CODE.match(found) else code


def known(code: str) -> bool:
    return bool(INSEE_CODE.match(code))


def commune_code(value: str, field: str = "commune") -> str:
    """A code as recorded: an INSEE code, UNKNOWN, or "" (not given: events written by the domain's own tests)."""
    if value and value != UNKNOWN and not INSEE_CODE.match(value):
        raise InvalidValueError({field: "Code INSEE de commune invalide."})
    return value


def with_code(state: dict[str, Any], name: str) -> None:
    """Upcast: gives the value object `state[name]` (a profile, an offer's terms) its commune's code."""
    value = state[name]
    # A copy of the frozen value with the code set. dataclasses.replace would run __init__ and
    # __post_init__ again (13 µs, most of an upcast); the value was checked when it was decoded.
    upcast = object.__new__(type(value))
    upcast.__dict__.update(value.__dict__, commune_code=code_of_stored_label(value.commune))
    state[name] = upcast


def upcast_adding_code(name: str) -> staticmethod:
    """The `upcast_v1_v2` of an event whose field `name` gained the commune code in version 2."""
    return staticmethod(lambda state: with_code(state, name))
