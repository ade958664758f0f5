"""Stored event state → plain JSON values for exports, personal data decrypted or "[effacé]".

The state is the application transcoder's JSON: every value object is written as
{"_type_": name, "_data_": data}. Decoding it with a hook that only unwraps (and hands
personal data to the application's own `EncryptedPersonalData` transcoding) keeps an
export fast and gives value objects as the dicts of their fields, ready for JSON.
"""
from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.personal_data import ERASED_PLACEHOLDER


class EventStateDecoder:
    def __init__(self, personal_data: Any, mapper: Any = None) -> None:
        #: The `EncryptedPersonalData` transcoding (with a key vault that never creates keys on decode).
        self.personal_data = personal_data
        self.cipher = getattr(mapper, "cipher", None)
        self.compressor = getattr(mapper, "compressor", None)

    def _unwrap(self, obj: dict[str, Any]) -> Any:
        kind = obj.get("_type_")
        if kind is None or len(obj) != 2 or "_data_" not in obj:
            return obj
        data = obj["_data_"]
        if kind == "personal_data":
            value = self.personal_data.decode(data)
            return ERASED_PLACEHOLDER if value.erased else value.value
        if kind == "uuid_hex":
            return str(UUID(data))
        # datetime_iso, date_iso, decimal_str and the value objects' field dicts: already JSON.
        return data

    def decode(self, state: bytes) -> dict[str, Any]:
        if self.cipher is not None:
            state = self.cipher.decrypt(state)
        if self.compressor is not None:
            state = self.compressor.decompress(state)
        return json.loads(state, object_hook=self._unwrap)
