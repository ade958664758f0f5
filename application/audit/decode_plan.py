"""Decoding a stored event by a plan learned per event type, checked against the bytes each time.

The transcoder (application/orjson_transcoder.py) parses a state with orjson, then walks every
value to find the `{"_type_": …, "_data_": …}` wrappers it revives (ids, datetimes, value objects).
Most of a replay's decoding is that walk, yet an event type keeps its wrappers in the same places:
a suggestion has its ids, its time, its AI output and its provenance at the top of its state, and
its criteria in two lists. So a plan per event topic names the keys that hold one wrapper and the
keys that hold a list of wrappers, and only those are revived.

Correctness never rests on the plan. Each time:

* every wrapper the plan revives is checked to be one (a dict of `_type_` and `_data_` alone);
* the `"_type_"` markers in the stored bytes are counted: each wrapper has one, so when the count
  equals the number of wrappers the plan revived, no other wrapper exists (nor one inside their
  data). Any other count, and the state goes through the transcoder's full walk;
* a state the count could miss goes through the full walk too: one with an escape `\\u` (a key
  could then be written `"\\u005ftype_"`) or a run of 19 digits (an integer past 64 bits, which
  orjson reads as a float without a word and the transcoder reads again exactly).

A state decoded by the full walk teaches the plan its keys (parsed again, once per such state).
tests/integration/test_audit_replay.py compares the result with the library's, plan or not.
"""
from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from eventsourcing.persistence import Transcoder, UUIDAsHex

from application.orjson_transcoder import OrjsonTranscoder, uuid_from_hex

MARKER = b'"_type_"'
#: What the count of markers cannot vouch for (see the module's docstring).
UNSURE = re.compile(rb"\\u")
#: Topics whose plan is kept: a process meets a few dozen; a table of odd topics must not grow for ever.
MAX_PLANS = 1024

_loads = orjson.loads
_DecodeError = orjson.JSONDecodeError


class Plan:
    """The keys of one event type's state that hold a wrapper (`ones`) or a list of wrappers (`lists`)."""

    __slots__ = ("lists", "ones")

    def __init__(self, ones: tuple[str, ...] = (), lists: tuple[str, ...] = ()) -> None:
        self.ones, self.lists = ones, lists

    def revive(self, data: dict[str, Any], markers: int, decoders: dict[str, Any], shared: dict[str, Any]) -> bool:
        """Revive `data`'s wrappers in place, and say whether they were all of the state's `markers` (if not,
        `data` may be half revived: the caller parses the state again and walks it)."""
        revived = 0
        for key in self.ones:
            wrapper = data.get(key)
            if wrapper is None:  # an optional value not given (a rationale without AI)
                continue
            # Inlined (a call per wrapper costs as much as the checks): a dict of `_type_` and `_data_` alone.
            if wrapper.__class__ is not dict or len(wrapper) != 2:
                return False
            name, value = wrapper.get("_type_"), wrapper.get("_data_", _NOT_A_WRAPPER)
            table = shared.get(name)
            found = table.get(tuple(value.items())) if table is not None and value.__class__ is dict else None
            if found is None:
                decode = decoders.get(name)
                if decode is None or value is _NOT_A_WRAPPER:
                    return False
                found = decode(value)
            data[key] = found
            revived += 1
        for key in self.lists:
            items = data.get(key)
            if items.__class__ is list:
                for index, wrapper in enumerate(items):
                    if wrapper.__class__ is not dict or len(wrapper) != 2:
                        return False
                    name, value = wrapper.get("_type_"), wrapper.get("_data_", _NOT_A_WRAPPER)
                    table = shared.get(name)
                    found = table.get(tuple(value.items())) if table is not None and value.__class__ is dict else None
                    if found is None:
                        decode = decoders.get(name)
                        if decode is None or value is _NOT_A_WRAPPER:
                            return False
                        found = decode(value)
                    items[index] = found
                revived += len(items)
        return revived == markers


_NOT_A_WRAPPER = object()


def _unwrap(wrapper: Any, decoders: dict[str, Any]) -> Any:
    """The wrapper's value, decoded as the transcoder decodes it; _NOT_A_WRAPPER if it is no wrapper or
    no transcoding of that name is known here (the full walk then raises the library's error)."""
    if wrapper.__class__ is not dict or len(wrapper) != 2:
        return _NOT_A_WRAPPER
    try:
        decode = decoders[wrapper["_type_"]]
        data = wrapper["_data_"]
    except (KeyError, TypeError):  # no such key, or a `_type_` that is no text (a list cannot be a key)
        return _NOT_A_WRAPPER
    return decode(data)


def learned_from(state: bytes, plan: Plan | None) -> Plan | None:
    """`plan` widened by the keys of this state that hold a wrapper or a list of them (the same object when
    nothing is new). A state with wrappers elsewhere too (inside a value object) still counts more markers
    than the plan revives: such states keep the full walk."""
    try:
        data = _loads(state)
    except _DecodeError:
        return plan
    if data.__class__ is not dict:
        return plan
    ones = set(plan.ones) if plan else set()
    lists = set(plan.lists) if plan else set()
    for key, value in data.items():
        if _is_wrapper(value):
            ones.add(key)
        elif value.__class__ is list and value and all(_is_wrapper(item) for item in value):
            lists.add(key)
    widened = Plan(tuple(sorted(ones)), tuple(sorted(lists - ones)))
    return widened if widened.ones != (plan.ones if plan else ()) or widened.lists != (plan.lists if plan else ()) \
        else plan


def _is_wrapper(value: Any) -> bool:
    return value.__class__ is dict and len(value) == 2 and "_type_" in value and "_data_" in value


class DecodePlans:
    """The plans of one transcoder's readers (one per application), and the decoding that uses them."""

    def __init__(self, transcoder: OrjsonTranscoder) -> None:
        self.transcoder = transcoder
        self.plans: dict[str, Plan | None] = {}
        self.decoders: dict[str, Any] = {}  # name -> decode, as the transcoder's (ids made once per text)
        self.shared: dict[str, dict[Any, Any]] = {}  # name -> the values already made, of a shared type
        self.planned = self.walked = 0  # how many states each way, for the tests and the benchmark

    def decode(self, topic: str, state: bytes) -> Any:
        """The state as `transcoder.decode(state)` gives it."""
        plan = self.plans.get(topic)
        if plan is not None and UNSURE.search(state) is None:
            try:
                data = _loads(state)
            except _DecodeError:
                data = None
            if data.__class__ is dict and self._revive(plan, data, state):
                self.planned += 1
                return data
        self.walked += 1
        data = self.transcoder.decode(state)
        learned = learned_from(state, plan)
        if learned is not plan:
            if len(self.plans) >= MAX_PLANS:
                self.plans.clear()
            self.plans[topic] = learned
        return data

    def _revive(self, plan: Plan, data: dict[str, Any], state: bytes) -> bool:
        try:
            return plan.revive(data, state.count(MARKER), self._decoders(), self.shared)
        except (TypeError, ValueError):  # a value the plan took for a wrapper's data is none: the full walk says
            return False

    def _decoders(self) -> dict[str, Any]:
        # The transcoder's registered transcodings, read again whenever one was added since.
        names = self.transcoder.names
        if len(self.decoders) != len(names):
            self.decoders = {name: uuid_from_hex if type(t) is UUIDAsHex else t.decode for name, t in names.items()}
            tables = {name: getattr(t, "shared_values", lambda: None)() for name, t in names.items()}
            self.shared = {name: table for name, table in tables.items() if table is not None}
        return self.decoders


_BY_TRANSCODER: WeakKeyDictionary[Transcoder, DecodePlans] = WeakKeyDictionary()


def plans_for(transcoder: Transcoder) -> DecodePlans | None:
    """The plans of this transcoder; None for another transcoder than the application's (its own decode is used)."""
    if not isinstance(transcoder, OrjsonTranscoder):
        return None
    plans = _BY_TRANSCODER.get(transcoder)
    if plans is None:
        plans = _BY_TRANSCODER[transcoder] = DecodePlans(transcoder)
    return plans
