"""Stored event state → plain JSON values for exports, personal data decrypted or "[effacé]".

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

import binascii
import json
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.orjson_transcoder import InexactNumberError, exact
from domain.personal_data import ERASED_PLACEHOLDER

MAX_PEOPLE_CACHED = 100_000


class EventStateDecoder:
    def __init__(self, vault: Any, mapper: Any = None) -> None:
        #: The key vault (key_for(subject, create=False)); keys are read once per person and export.
        self.vault = vault
        self.cipher = getattr(mapper, "cipher", None)
        self.compressor = getattr(mapper, "compressor", None)
        self._people: dict[str, AESGCM | None] = {}
        self._json = json.JSONDecoder(object_hook=self._unwrap)  # the fallback, built once

    def _person(self, subject_id: str) -> AESGCM | None:
        try:
            return self._people[subject_id]
        except KeyError:
            pass
        if len(self._people) >= MAX_PEOPLE_CACHED:
            self._people.clear()
        key = self.vault.key_for(subject_id, create=False)
        opened = self._people[subject_id] = AESGCM(key) if key is not None else None
        return opened

    def personal(self, data: dict[str, Any]) -> str:
        subject_id = data["s"]
        if data.get("e"):
            return ERASED_PLACEHOLDER
        opened = self._person(subject_id)
        if opened is None:
            return ERASED_PLACEHOLDER
        raw = binascii.a2b_base64(data["c"])
        try:
            return opened.decrypt(raw[:12], raw[12:], subject_id.encode()).decode("utf-8")
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

    def _item(self, item: dict[str, Any]) -> Any:
        """A dict of the parsed state: a wrapper becomes its plain value, any other dict is opened."""
        if len(item) == 2 and "_type_" in item and "_data_" in item:
            kind, data = item["_type_"], item["_data_"]
            if kind == "personal_data":
                return self.personal(data)
            if type(data) is dict:
                data = self._item(data)  # a value object's fields, or a wrapper inside a wrapper
            elif type(data) is list:
                data = self._list(data)
            elif type(data) is float:
                exact(data)
            return self._value(kind, data)
        for key, value in item.items():
            kind = type(value)
            if kind is dict:
                item[key] = self._item(value)  # same keys: changing values while iterating is safe
            elif kind is list:
                item[key] = self._list(value)
            elif kind is float:
                exact(value)
        return item

    def _list(self, items: list[Any]) -> list[Any]:
        for index, value in enumerate(items):
            kind = type(value)
            if kind is dict:
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
            return self._item(parsed) if type(parsed) is dict else parsed
        except (orjson.JSONDecodeError, InexactNumberError):
            return self._json.decode(state.decode("utf-8"))
