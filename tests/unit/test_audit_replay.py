"""The time travel's replay (application/audit/replay.py) applies each event as the library's own `mutate` would,
whatever the shape of the decorated method: arguments taken in order, by keyword, or missing from an older event."""
from __future__ import annotations

from functools import reduce
from typing import Any

from eventsourcing.domain import Aggregate, event

from application.audit.replay import _PLANS, replay


class Ledger(Aggregate):
    def __init__(self) -> None:
        self.lines: list[tuple[Any, ...]] = []

    @event("Added")
    def add(self, label: str, amount: int, note: str) -> None:
        self.lines.append(("add", label, amount, note))

    @event("Noted")
    def note(self, text: str) -> None:  # one parameter
        self.lines.append(("note", text))

    @event("Flagged")
    def flag(self, colour: str, *, urgent: bool) -> None:  # a keyword-only one
        self.lines.append(("flag", colour, urgent))

    @event("Scaled")
    def scale(self, factor: int, rounding: str = "down") -> None:  # a default, for events recorded without it
        self.lines.append(("scale", factor, rounding))


def library_replay(events: list[Any]) -> Any:
    return reduce(lambda aggregate, e: e.mutate(aggregate), events, None)


def recorded() -> list[Any]:
    ledger = Ledger()
    ledger.add("loyer", 700, "mars")
    ledger.note("relu")
    ledger.flag("rouge", urgent=True)
    ledger.scale(3, "up")
    ledger.scale(2)
    ledger.add("eau", -40, "")
    events = ledger.collect_events()
    for e in events:  # the fields in another order than the parameters: arguments must go by name
        object.__setattr__(e, "__dict__", dict(reversed(list(e.__dict__.items()))))
    return events


def test_each_event_is_applied_as_its_own_mutate_applies_it() -> None:
    events = recorded()
    ours, library = replay(None, events), library_replay(events)
    assert ours.lines == library.lines == [
        ("add", "loyer", 700, "mars"), ("note", "relu"), ("flag", "rouge", True), ("scale", 3, "up"),
        ("scale", 2, "down"), ("add", "eau", -40, "")]
    assert (ours.version, ours.modified_on) == (library.version, library.modified_on)
    assert _PLANS[Ledger.Added][2] is not None  # the arguments in order: the path under test
    assert _PLANS[Ledger.Noted][2] is None and _PLANS[Ledger.Flagged][2] is None  # by keyword


def test_an_event_recorded_without_a_field_the_method_now_takes_gets_its_default_as_in_the_library() -> None:
    events = recorded()
    older = events[4]  # scale(3, "up"), as if recorded before `rounding` existed
    del older.__dict__["rounding"]
    assert replay(None, events).lines == library_replay(events).lines
    assert replay(None, events).lines[3] == ("scale", 3, "down")
