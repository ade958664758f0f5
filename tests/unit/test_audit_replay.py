"""The time travel's replay (application/audit/replay.py) applies each event as the library's own `mutate` would,
whatever the shape of the decorated method: arguments taken in order, by keyword, or missing from an older event."""
from __future__ import annotations

from functools import reduce
from typing import Any

from eventsourcing.domain import Aggregate, event

from application.audit.replay import _PLANS, _needed, read_parameters, replay


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


def reads_some(self: Any, kept: str, in_lambda: str, in_comprehension: list[str], rebound: str, unread: str,
               also_unread: int) -> None:
    rebound = "autre"
    self.kept = (kept, (lambda: in_lambda)(), [x for x in in_comprehension], rebound)


def reads_through_locals(self: Any, label: str) -> None:
    self.__dict__.update(locals())


def reads_through_eval_in_a_nested_function(self: Any, label: str) -> None:
    def inner() -> Any:
        return eval("label")  # noqa: S307 - the case under test
    self.label = inner()


def takes_the_rest(self: Any, label: str, **rest: Any) -> None:
    self.rest = rest


def test_a_method_reads_the_parameters_its_code_names_and_no_others() -> None:
    assert read_parameters(reads_some) == {"self", "kept", "in_lambda", "in_comprehension", "rebound"}
    assert read_parameters(_decorated(Ledger.Added)) == {"self", "label", "amount", "note"}


def test_a_method_whose_code_could_reach_any_parameter_is_taken_to_read_them_all() -> None:
    assert read_parameters(reads_through_locals) is None
    assert read_parameters(reads_through_eval_in_a_nested_function) is None
    assert read_parameters(takes_the_rest) is None


def _decorated(cls: type) -> Any:
    from eventsourcing.domain import decorated_funcs
    return decorated_funcs[cls]


def test_a_replay_decodes_of_each_event_only_the_fields_its_method_reads_and_the_timestamp() -> None:
    replay(None, recorded())  # the plans are made on the first replay
    assert _needed(Ledger.Added) == {"label", "amount", "note", "timestamp"}
    assert _needed(Ledger.Scaled) == {"factor", "rounding", "timestamp"}
    assert _needed(Ledger.Created) is None  # the first event creates the aggregate through the library: whole
