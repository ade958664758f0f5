"""The export format "relais-export/1": its hash chain and its signed manifest (README, "Vérifier un export").

    h0 = SHA-256("relais-export/1" as UTF-8 ‖ previous export's head as 32 raw bytes, or 32 zero bytes)
    hi = SHA-256(h(i-1) ‖ SHA-256(line i))      (line i: its exact bytes without the "\n")
    head = the last hi

manifest.sig is the Ed25519 signature, in base64, of the exact bytes of manifest.json.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

FORMAT = "relais-export/1"
JSONL, CSV, MANIFEST, SIGNATURE = "events.jsonl", "events.csv", "manifest.json", "manifest.sig"
#: The four files of an export, in the order an archive holds them.
EXPORT_FILES = (JSONL, CSV, MANIFEST, SIGNATURE)


def first_link(previous_head: bytes | None) -> bytes:
    return hashlib.sha256(FORMAT.encode("utf-8") + (previous_head or bytes(32))).digest()


def next_link(head: bytes, line: bytes) -> bytes:
    return hashlib.sha256(head + hashlib.sha256(line).digest()).digest()


@dataclass(frozen=True)
class Manifest:
    count: int
    first_sequence: int | None
    last_sequence: int | None
    head: bytes
    previous_head: bytes | None
    created_at: str
    public_key_id: str
    csv_sha256: str
    #: The log's integrity check made just before the export (LogIntegrity.as_json), None in exports
    #: made before it existed. Signed with the rest, so a third party knows what the log was like.
    log_integrity: dict[str, Any] | None = None

    def to_bytes(self) -> bytes:
        document: dict[str, Any] = {
            "format": FORMAT,
            "count": self.count,
            "first_sequence": self.first_sequence,
            "last_sequence": self.last_sequence,
            "chain": {"algorithm": "sha256", "head": self.head.hex()},
            "previous_head": self.previous_head.hex() if self.previous_head else None,
            "created_at": self.created_at,
            "public_key_id": self.public_key_id,
            # Not in the chain: the spreadsheet copy is covered by its own digest.
            "files": {CSV: {"sha256": self.csv_sha256}},
        }
        if self.log_integrity is not None:
            document["log_integrity"] = self.log_integrity
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        """Raise ValueError when the text is not a relais-export/1 manifest."""
        try:
            document = json.loads(raw)
            if document["format"] != FORMAT or document["chain"]["algorithm"] != "sha256":
                raise ValueError(f"not a {FORMAT} manifest")
            previous = document["previous_head"]
            return cls(
                count=int(document["count"]),
                first_sequence=document["first_sequence"],
                last_sequence=document["last_sequence"],
                head=bytes.fromhex(document["chain"]["head"]),
                previous_head=bytes.fromhex(previous) if previous else None,
                created_at=str(document["created_at"]),
                public_key_id=str(document["public_key_id"]),
                csv_sha256=str(document.get("files", {}).get(CSV, {}).get("sha256", "")),
                log_integrity=_integrity(document.get("log_integrity")),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"manifest.json is not readable: {error}") from None


def _integrity(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("ok"), bool):
        raise TypeError("log_integrity must be an object with a boolean 'ok'")
    return value
