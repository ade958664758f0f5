"""AuditAccess: one auditor's opening of one page, recorded in the log like any decision.

One aggregate per page view (docs/adr/0015): recording never reads an earlier aggregate,
so two pages opened at once never conflict and the cost does not grow with the day's views.
"""
from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from domain.personal_data import PersonalData
from domain.provenance import Provenance


class AuditAccess(Aggregate):
    """Who opened which page, about which record, with which search, when, for which request."""

    @classmethod
    def record(
        cls, method: str, path: str, aggregate_id: str, query: str, provenance: Provenance, timestamp: datetime
    ) -> AuditAccess:
        # A search may hold a person's name: it is encrypted. The key is one auditor's for one day: the
        # retention job deletes a day's keys, and a page view writes no key of its own (docs/adr/0015).
        sealed = PersonalData(searches_subject(provenance.actor_id, timestamp), query) if query else None
        return cls._create(
            cls.PageOpened, id=uuid4(), method=method, path=path, aggregate_id=aggregate_id, query=sealed,
            provenance=provenance, timestamp=timestamp,
        )

    @event("PageOpened")
    def __init__(
        self, method: str, path: str, aggregate_id: str, query: PersonalData | None, provenance: Provenance,
        timestamp: datetime,
    ) -> None:
        self.method = method
        self.path = path
        self.aggregate_id = aggregate_id  # "" when the page is about no single record (a search)
        self.query = query


SEARCHES_PREFIX = "audit-searches:"


def searches_subject(actor_id: str, timestamp: datetime) -> str:
    """The key owner of an auditor's searches of one (UTC) day; the retention job deletes it once past
    its period, and erasing a person deletes it when one of its searches names them (docs/adr/0015)."""
    return f"{SEARCHES_PREFIX}{actor_id}:{timestamp.date().isoformat()}"
