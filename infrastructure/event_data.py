"""Stored event state → plain JSON values for exports, personal data decrypted or "[effacé]",
secret fields (a staff member's password hash) as "[masqué]" by the auditor's pages' own rule
(application/secret_fields.py): an export is meant for third parties.

The state is the application transcoder's JSON: every value object is written as
{"_type_": name, "_data_": data}. Parsing it with orjson (C) and then unwrapping those
wrappers in place keeps an export fast and gives value objects as the dicts of their
fields, ready for JSON. Personal data ({"s": subject, "c": nonce+ciphertext} or {"s", "e": 1},
see infrastructure/personal_data.py) is opened here with one AES-GCM object per person for
the whole export: the per-value path of the transcoding costs five times more.
tests/integration/test_export_decoding.py checks that both paths agree on every event type.

orjson reads what the standard library wrote except in three corners, where the record is
read with the standard library instead: integers beyond 64 bits (orjson turns them into floats
without a word, so a float of that size sends the record there), NaN/Infinity and lone
surrogates (orjson refuses them).
"""
from __future__ import annotations

from binascii import a2b_base64
import json
import re
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.orjson_transcoder import InexactNumberError, exact
from application.secret_fields import MASKED, is_secret, masked
from domain.personal_data import ERASED_PLACEHOLDER

MAX_PEOPLE_CACHED = 100_000
MAX_NAMES_JUDGED = 10_000
#: Values that hold nothing to open: a list of only these is left as it is (checked in C, without a loop here).
_PLAIN = frozenset({str, int, bool, type(None)})
#: Where a stored state names a person, as the transcoder writes it (a person's key is looked up
#: ahead from this; decoding still reads each value from the parsed state).
_NAMED_PERSON = re.compile(rb'"_type_":"personal_data","_data_":\{"s":"([^"\\]{1,200})"')


class EventStateDecoder:
    def __init__(self, vault: Any, mapper: Any = None) -> None:
        #: The key vault (key_for(subject, create=False)); keys are read once per person and export.
        self.vault = vault
        self.cipher = getattr(mapper, "cipher", None)
        self.compressor = getattr(mapper, "compressor", None)
        self._people: dict[str, tuple[Any, bytes] | None] = {}
        #: States about to be decoded, whose people are all looked up at the first one not known.
        self._expected: list[bytes] | None = None
        self._json = json.JSONDecoder(object_hook=self._unwrap)  # the fallback, built once
        #: Field names judged not secret (application/secret_fields.py): a dict of only these is checked in C.
        self._safe: set[str] = set()

    def expect(self, states: list[bytes]) -> None:
        """The stored states about to be decoded (a batch of the export): at the first person not
        known yet, every person they name is looked up in one go, not one query per person."""
        self._expected = states

    def _look_ahead(self, states: list[bytes]) -> None:
        """Open the keys of the people named in `states` that are not known yet, in bulk."""
        keys_for = getattr(self.vault, "keys_for", None)
        if keys_for is None or self.cipher is not None or self.compressor is not None:
            return  # a vault without bulk reads, or states that are not plain JSON
        named = {subject.decode("utf-8", "replace") for subject in _NAMED_PERSON.findall(b"\n".join(states))}
        unknown = sorted(named.difference(self._people))
        if not unknown:
            return
        if len(self._people) + len(unknown) > MAX_PEOPLE_CACHED:
            self._people.clear()
        for subject_id, key in keys_for(unknown[:MAX_PEOPLE_CACHED]).items():
            self._people[subject_id] = (AESGCM(key).decrypt, subject_id.encode()) if key is not None else None

    def _person(self, subject_id: str) -> tuple[Any, bytes] | None:
        """(the person's AES-GCM decrypt, the associated data), or None once the key is erased."""
        expected, self._expected = self._expected, None
        if expected is not None:
            self._look_ahead(expected)
            if subject_id in self._people:
                return self._people[subject_id]
        if len(self._people) >= MAX_PEOPLE_CACHED:
            self._people.clear()
        key = self.vault.key_for(subject_id, create=False)
        opened = self._people[subject_id] = (AESGCM(key).decrypt, subject_id.encode()) if key is not None else None
        return opened

    def personal(self, data: dict[str, Any]) -> str:
        subject_id = data["s"]
        if data.get("e"):
            return ERASED_PLACEHOLDER
        try:
            opened = self._people[subject_id]
        except KeyError:
            opened = self._person(subject_id)
        if opened is None:
            return ERASED_PLACEHOLDER
        decrypt, associated = opened
        raw = a2b_base64(data["c"])
        try:
            return decrypt(raw[:12], raw[12:], associated).decode("utf-8")
        except InvalidTag:
            raise ValueError(f"personal data of {subject_id} does not decrypt: altered record?") from None

    def _value(self, kind: str, data: Any) -> Any:
        """The plain value of a wrapper {"_type_": kind, "_data_": data} whose data is already unwrapped."""
        if kind == "personal_data":
            return self.personal(data)
        if kind == "uuid_hex":
            return str(UUID(data))
        # datetime_iso, date_iso, decimal_str and the value objects' field dicts: already JSON.
        return data

    def _unwrap(self, obj: dict[str, Any]) -> Any:
        """The standard library's hook: called innermost first, so the data is already unwrapped."""
        if len(obj) != 2 or "_type_" not in obj or "_data_" not in obj:
            return obj
        return self._value(obj["_type_"], obj["_data_"])

    def _wrapped(self, kind: str, data: Any) -> Any:
        """The plain value of the wrapper {"_type_": kind, "_data_": data}, its data opened first."""
        if kind == "personal_data":
            return self.personal(data)
        of = data.__class__
        if of is dict:
            # a value object's fields, or a wrapper inside a wrapper
            if len(data) == 2 and "_type_" in data and "_data_" in data:
                data = self._wrapped(data["_type_"], data["_data_"])
            else:
                data = self._item(data)
        elif of is list:
            data = self._list(data)
        elif of is float:
            exact(data)
        elif of is str and kind != "uuid_hex":
            return data  # datetime_iso, date_iso, decimal_str: the text itself
        return self._value(kind, data)

    def _item(self, item: dict[str, Any]) -> Any:
        """A parsed dict that is not a wrapper, its values opened in place (same keys: changing
        values while iterating is safe).

        The export's hottest path, so two checks run in C first: whether every field name was
        already judged not secret (else `_judge` masks the secret ones), and whether every value is
        plain (text, number, boolean, null: nothing to open). The common wrappers (text, personal
        data) are opened here rather than through `_wrapped`: one call fewer per wrapper."""
        if not self._safe.issuperset(item):
            self._judge(item)
        if _PLAIN.issuperset(map(type, item.values())):
            return item
        people = self._people
        for key, value in item.items():
            kind = value.__class__
            if kind is dict:
                if len(value) == 2 and "_type_" in value and "_data_" in value:
                    name, data = value["_type_"], value["_data_"]
                    if name == "personal_data":
                        try:  # a person met before, a value not erased: `personal` without the call
                            decrypt, associated = people[data["s"]]
                            if "e" in data:
                                raise KeyError
                            raw = a2b_base64(data["c"])
                            item[key] = decrypt(raw[:12], raw[12:], associated).decode("utf-8")
                        except (KeyError, TypeError, InvalidTag):  # and what does not decrypt: `personal` says so
                            item[key] = self.personal(data)
                    elif data.__class__ is str and name != "uuid_hex":
                        item[key] = data  # datetime_iso, date_iso, decimal_str: the text itself
                    elif data.__class__ is dict and name != "uuid_hex" and not (
                            len(data) == 2 and "_type_" in data and "_data_" in data):
                        item[key] = self._item(data)  # a value object: its fields
                    else:
                        item[key] = self._wrapped(name, data)
                else:
                    item[key] = self._item(value)
            elif kind is list:
                if not _PLAIN.issuperset(map(type, value)):  # a list of text or numbers is left as it is
                    item[key] = self._list(value)
            elif kind is float:
                exact(value)
        return item

    def _judge(self, item: dict[str, Any]) -> None:
        """Mask the secret fields of `item` (application/secret_fields.py); remember the others."""
        safe = self._safe
        if len(safe) >= MAX_NAMES_JUDGED:  # names come from code, but a dict's keys may come from data
            safe.clear()
        for key in item:
            if is_secret(key):
                item[key] = MASKED  # a password hash: no business of whoever reads an export
            else:
                safe.add(key)

    def _list(self, items: list[Any]) -> list[Any]:
        for index, value in enumerate(items):
            kind = value.__class__
            if kind is dict:
                if len(value) == 2 and "_type_" in value and "_data_" in value:
                    items[index] = self._wrapped(value["_type_"], value["_data_"])
                else:
                    items[index] = self._item(value)
            elif kind is list:
                items[index] = self._list(value)
            elif kind is float:
                exact(value)
        return items

    def decode(self, state: bytes) -> dict[str, Any]:
        if self.cipher is not None:
            state = self.cipher.decrypt(state)
        if self.compressor is not None:
            state = self.compressor.decompress(state)
        try:
            parsed = orjson.loads(state)
            if parsed.__class__ is not dict:
                return parsed
            if len(parsed) == 2 and "_type_" in parsed and "_data_" in parsed:
                return self._wrapped(parsed["_type_"], parsed["_data_"])
            return self._item(parsed)
        except (orjson.JSONDecodeError, InexactNumberError):
            return masked(self._json.decode(state.decode("utf-8")))
