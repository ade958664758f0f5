"""Every record type and event type the domain can write has a French label on the auditor's pages
(review 9: "Made (LogExport.Made)" and "LogExport : historique" showed in the French UI)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from eventsourcing.domain import Aggregate

import domain
from application.queries.history import AGGREGATE_TYPES
from web.audit_labels import AGGREGATE_TYPE_LABELS, EVENT_LABELS


def aggregates() -> list[type[Aggregate]]:
    found = []
    for module in pkgutil.iter_modules(domain.__path__):
        for _, cls in inspect.getmembers(importlib.import_module(f"domain.{module.name}"), inspect.isclass):
            if issubclass(cls, Aggregate) and cls is not Aggregate and cls.__module__.startswith("domain."):
                found.append(cls)
    return sorted(set(found), key=lambda cls: cls.__name__)


def recorded_events(cls: type[Aggregate]) -> set[str]:
    """The events an aggregate records: its event classes but the library's bases (`Event`, and `Created`
    when the aggregate names its creation otherwise, e.g. Candidate.Registered)."""
    members = {name: member for name, member in vars(cls).items()
               if inspect.isclass(member) and issubclass(member, Aggregate.Event) and name != "Event"}
    named_creation = any(issubclass(member, Aggregate.Created) and name != "Created" for name, member in members.items())
    return {name for name in members if not (name == "Created" and named_creation)}


def test_every_aggregate_and_event_of_the_domain_has_a_french_label_and_can_be_searched() -> None:
    kinds = aggregates()
    assert {cls.__name__ for cls in kinds} >= {"Candidate", "Offer", "Outreach", "LogExport", "RetentionRun"}
    events = {f"{cls.__name__}.{name}" for cls in kinds for name in recorded_events(cls)}
    assert "Offer.SuggestionRejected" in events
    assert sorted(events - set(EVENT_LABELS)) == []
    assert sorted({cls.__name__ for cls in kinds} - set(AGGREGATE_TYPE_LABELS)) == []
    assert sorted({cls.__name__ for cls in kinds} - set(AGGREGATE_TYPES)) == []
