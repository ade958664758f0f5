"""Stored event state → plain JSON values for exports, personal data decrypted or "[effacé]".

The state is the application transcoder's JSON: every value object is written as
{"_type_": name, "_data_": data}. Decoding it with a hook that only unwraps keeps an export
fast and gives value objects as the dicts of their fields, ready for JSON. Personal data
({"s": subject, "c": nonce+ciphertext} or {"s", "e": 1}, see infrastructure/personal_data.py)
is opened here with one AES-GCM object per person for the whole export: the per-value path of
the transcoding costs five times more. tests/integration/test_export_decoding.py checks that
both paths agree on every event type.
"""
from __future__ import annotations

import binascii
import json
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.personal_data import ERASED_PLACEHOLDER

MAX_PEOPLE_CACHED = 100_000


class EventStateDecoder:
    def __init__(self, vault: Any, mapper: Any = None) -> None:
        #: The key vault (key_for(subject, create=False)); keys are read once per person and export.
        self.vault = vault
        self.cipher = getattr(mapper, "cipher", None)
        self.compressor = getattr(mapper, "compressor", None)
        self._people: dict[str, AESGCM | None] = {}
        self._json = json.JSONDecoder(object_hook=self._unwrap)  # built once, not per event

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

    def _unwrap(self, obj: dict[str, Any]) -> Any:
        if len(obj) != 2 or "_type_" not in obj or "_data_" not in obj:
            return obj
        kind, data = obj["_type_"], obj["_data_"]
        if kind == "personal_data":
            return self.personal(data)
        if kind == "uuid_hex":
            return str(UUID(data))
        # datetime_iso, date_iso, decimal_str and the value objects' field dicts: already JSON.
        return data

    def decode(self, state: bytes) -> dict[str, Any]:
        if self.cipher is not None:
            state = self.cipher.decrypt(state)
        if self.compressor is not None:
            state = self.compressor.decompress(state)
        return self._json.decode(state.decode("utf-8"))
