"""The moment of a record's history an auditor asks for (`?version=`, `?at=`, `?from=&to=`), read as a form.

A moment that cannot be shown (unreadable, or a version the record never had) is named beside its field,
and the timeline is shown at its latest state instead of a bare error page: the auditor corrects the value
where it was typed (issue 2; review 7, point 8).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from application.audit.moments import BadMomentError, Moment, parse_moment
from application.audit.timeline import Timeline, TimelineQueries
from application.caller import Caller
from web.forms.fields import Form

#: The id of the element that holds the time-travel forms, the state and the events: what those forms swap.
RECORD_PAGE = "fiche"
MOMENT_FIELDS = ("version", "at", "from", "to")
#: Longer than any value a field can sensibly hold; what is typed is shown back up to there.
SHOWN_LENGTH = 40


def time_travel(timelines: TimelineQueries, caller: Caller, aggregate_id: UUID, query: Mapping[str, Any],
                page: int | None) -> tuple[Timeline, Form]:
    """The timeline at the moment asked for, or at its latest state with the error on the form."""
    form = Form()
    chosen = {name: form.text(query, name) for name in MOMENT_FIELDS}
    form.values = {name: value[:SHOWN_LENGTH] for name, value in form.values.items()}
    try:
        return timelines.timeline(caller, aggregate_id, parse_moment(chosen), page), form
    except BadMomentError as error:
        form.errors[error.parameter or "form"] = str(error)  # "form": several ways at once, no one field
        return timelines.timeline(caller, aggregate_id, Moment(), page), form
