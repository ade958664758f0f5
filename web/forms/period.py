"""A period filter read from the address: "du" and "au", both days included, either one optional.

One reading for the pages that take a period (the oversight figures, the history search, the log's
export), so a bad day is named the same way, beside its field, on each.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from web.forms.fields import FieldError, Form, french_or_iso_date

#: Years a period may name: Relais's log starts in the 2020s, so a day outside these is a typing slip
#: ("0206" for "2026"), better named than answered with an empty list. They also keep the Paris start
#: of the next day inside Python's calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def read_period(
    form: Form, query: Mapping[str, Any], names: tuple[str, str] = ("du", "au"),
) -> tuple[date | None, date | None]:
    """The first and last day (None: not given); errors go on the form, beside the field named."""
    first, last = names
    since = form.read(query, first, _optional_day("La date de début"), None)
    until = form.read(query, last, _optional_day("La date de fin"), None)
    if since and until and since > until:
        form.errors[last] = "La date de fin doit suivre la date de début."
    return since, until


def _optional_day(label: str) -> Callable[[str], date | None]:
    parse = french_or_iso_date(label)

    def read(text: str) -> date | None:
        if not text:
            return None
        day = parse(text)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise FieldError(f"{label} doit être comprise entre {FIRST_YEAR} et {LAST_YEAR}.")
        return day

    return read
