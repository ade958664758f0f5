"""The application's transcoder: writes exactly as the library's JSON transcoder, reads with orjson.

Reading the log is mostly JSON decoding (the auditor's time travel replays 1,000 events; every
read model catches up by decoding). The library parses with the standard `json` module and an
object hook called for every dict, then `UUID(hex)` runs its checks for each id. Here orjson
parses the whole state in C, then one walk revives the `{"_type_", "_data_"}` wrappers, inner
ones first as the hook does, with the ids made straight from their 128-bit value.

Writing is unchanged, so stored bytes (and the log's hash chain) do not change. What orjson
refuses and `json` writes (NaN, infinities) is read by the library's path, and so is a state
holding a float at least 2**63 in size: orjson reads an integer past 64 bits as such a float,
silently, so such a state is read again exactly.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding, TranscodingNotRegisteredError, UUIDAsHex

_new_uuid = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown
#: Values that hold nothing to revive: a dict of only these is left as it is (checked in C, without a loop here).
_PLAIN = frozenset({str, int, bool, type(None)})
#: orjson reads an integer beyond 64 bits as a float without a word: a float this large may be one.
INEXACT_FROM = float(2**63)


class InexactNumberError(Exception):
    """orjson may have read a number of this state inexactly: read it with the standard library."""


def exact(number: float) -> float:
    """`number` if orjson cannot have read it from an integer past 64 bits; else InexactNumberError."""
    if -INEXACT_FROM < number < INEXACT_FROM:
        return number
    raise InexactNumberError


#: UUIDs already made, by their text: a replay meets the same ids again and again (a request id in
#: every suggestion and decision of its round); a UUID is immutable, so one object serves them all.
#: Bounded small (emptied when full): an export meets millions of ids and must keep a flat memory.
MAX_UUIDS_KEPT = 4096
_uuids: dict[str, UUID] = {}


def uuid_from_hex(data: str) -> UUID:
    """`UUID(data)`, the same object for the same text while it is kept (see `_uuids`)."""
    found = _uuids.get(data)
    if found is None:
        if len(_uuids) >= MAX_UUIDS_KEPT:
            _uuids.clear()
        found = _uuids[data] = _parse_uuid(data)
    return found


def _parse_uuid(data: str) -> UUID:
    """`UUID(data)` for the 32 hex digits the library writes, without its string clean-up; anything else goes through it."""
    if len(data) == 32 and "-" not in data:  # the library strips hyphens: such text goes through UUID()
        try:
            value = int(data, 16)
        except ValueError:
            value = -1
        if value >= 0:
            uuid = _new_uuid(UUID)
            _set(uuid, "int", value)
            _set(uuid, "is_safe", _UNKNOWN)
            return uuid
    return UUID(data)


class OrjsonTranscoder(JSONTranscoder):
    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        #: Per shared value type, its table of values already made, keyed by their parsed fields
        #: (`_DataclassAsDict.shared_values`): tried on the data as parsed, before any walk.
        self._made: dict[str, dict[Any, Any]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders[transcoding.name] = uuid_from_hex if type(transcoding) is UUIDAsHex else transcoding.decode
        table = getattr(transcoding, "shared_values", None)
        made = table() if table is not None else None
        if made is not None:
            self._made[transcoding.name] = made
        else:
            self._made.pop(transcoding.name, None)

    def decode(self, data: bytes) -> Any:
        try:
            value = orjson.loads(data)
            kind = value.__class__
            if kind is dict:
                value = self._revive(value)
                if len(value) == 2 and "_type_" in value and "_data_" in value:
                    return self._unwrap(value)  # a state that is itself one wrapper
                return value
            if kind is list:
                return self._revive(value)
            if kind is float:
                return exact(value)
            return value
        except (orjson.JSONDecodeError, InexactNumberError):
            return super().decode(data)

    def decode_keys(self, data: bytes, keys: frozenset[str]) -> dict[str, Any] | None:
        """The stored state as a dict whose `keys` only are decoded as `decode` decodes them; its other values
        are left as parsed, wrappers and all, for a reader that will not look at them (a replay that knows
        which fields an event's method reads: application/audit/replay.py). None when the state is not such
        a dict, or when `decode` must read it (orjson refuses it, or may have read a number inexactly)."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        if value.__class__ is not dict or (len(value) == 2 and "_type_" in value and "_data_" in value):
            return None
        decoders = self._decoders
        try:
            for key in keys:
                item = value.get(key)
                kind = item.__class__
                if kind is dict:
                    data = item.get("_data_")
                    if data.__class__ is str and len(item) == 2 and "_type_" in item:  # an id, a date: as `_revive` does
                        try:
                            decode = decoders[item["_type_"]]
                        except KeyError:
                            raise _not_registered(item["_type_"]) from None
                        value[key] = decode(data)
                    else:
                        value[key] = self._revive({key: item})[key]
                elif kind is list:
                    value[key] = self._revive(item)
                elif kind is float:
                    exact(item)
        except InexactNumberError:
            return None
        return value

    def _revive(self, value: Any) -> Any:
        """`value` (a fresh dict or list) with every wrapper inside it decoded, in place, inner ones first.

        The hot path of every read of the log: the wrapper's decoding is inlined here rather than
        called (a call per wrapper was a fifth of a replay)."""
        decoders, made = self._decoders, self._made
        for key, item in (value.items() if value.__class__ is dict else enumerate(value)):
            kind = item.__class__
            if kind is dict:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    name, data = item["_type_"], item["_data_"]
                    kind = data.__class__
                    if kind is dict:
                        shared = made.get(name)
                        if shared is not None:
                            try:
                                found = shared.get(tuple(data.items()))
                            except TypeError:  # a list or a dict among the fields: not a key
                                found = None
                            if found is not None:
                                value[key] = found
                                continue
                        if not _PLAIN.issuperset(map(type, data.values())):  # a value object's fields: mostly text
                            data = self._revive(data)
                    elif kind is list:
                        data = self._revive(data)
                    elif kind is float:
                        exact(data)
                    try:
                        decode = decoders[name]
                    except KeyError:
                        raise _not_registered(name) from None
                    value[key] = decode(data)
                else:
                    value[key] = self._revive(item)
            elif kind is list:
                value[key] = self._revive(item)
            elif kind is float:
                exact(item)
        return value

    def _unwrap(self, wrapper: dict[str, Any]) -> Any:
        name, data = wrapper["_type_"], wrapper["_data_"]
        try:
            decode = self._decoders[name]
        except KeyError:
            raise _not_registered(name) from None
        return decode(data)  # its data was revived with the dict that held it


def _not_registered(name: str) -> TranscodingNotRegisteredError:
    return TranscodingNotRegisteredError(
        f"Data serialized with name '{name}' is not deserializable. Please register a custom transcoding for this type."
    )
