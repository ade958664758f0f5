"""The hash chain over the stored event records ("relais-log/1"), in notification order.

    c_i = SHA-256(originator id as 16 raw bytes ‖ originator version as 8 bytes big-endian
                  ‖ topic as UTF-8 ‖ 0x00 ‖ state bytes as stored)
    h_0 = SHA-256("relais-log/1")
    h_i = SHA-256(h_(i-1) ‖ notification id as 8 bytes big-endian ‖ c_i)

Only consecutive records are chained, never "id + 1": PostgreSQL notification ids have
holes (a rolled-back insert burns its id). The state bytes are hashed as stored, so
erasing a person (deleting their key) leaves the chain valid.

Records are read as *frames*: the layout of one row of PostgreSQL's binary COPY of (notification
id, originator id, originator version, topic, state) — a 2-byte field count (5), then each field as
its 4-byte big-endian length and its bytes. `verify-log` hashes a sealed stretch of frames as read,
in one call (checkpoint format 3); SQLite rows are framed the same way here.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

GENESIS = hashlib.sha256(b"relais-log/1").digest()
DIGEST_SIZE = 32
ID_SIZE = 8
ENTRY_SIZE = ID_SIZE + DIGEST_SIZE

#: (notification id, originator id as 16 bytes, originator version, topic as bytes, state bytes)
Record = tuple[int, bytes, int, bytes, bytes]


def preimage(originator: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    """The bytes c_i is taken over (the version as a signed 64-bit integer, as PostgreSQL stores it)."""
    return b"".join((originator, version.to_bytes(8, "big", signed=True), topic, b"\0", state))


FIELD_COUNT = b"\x00\x05"


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def frame(notification_id: int, originator: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    """A record as one row of PostgreSQL's binary COPY of its five columns (NULLs read as empty)."""
    return b"".join((
        FIELD_COUNT, _field(notification_id.to_bytes(8, "big", signed=True)), _field(originator),
        _field(version.to_bytes(8, "big", signed=True)), _field(topic), _field(state),
    ))


_ID_FIELD = FIELD_COUNT + (ID_SIZE).to_bytes(4, "big")
_ORIGINATOR_FIELD = (16).to_bytes(4, "big")
_VERSION_FIELD = (8).to_bytes(4, "big")


def unframe(framed: bytes | memoryview) -> tuple[int, bytes]:
    """(notification id, preimage) of a frame. A frame that does not parse (a row edited by hand into
    something no COPY gives) still yields bytes, which then differ from what was sealed."""
    data = bytes(framed)
    # Every record the application wrote: a 16-byte id and an 8-byte version, at fixed places.
    if data[:6] == _ID_FIELD and data[14:18] == _ORIGINATOR_FIELD and data[34:38] == _VERSION_FIELD:
        topic_end = 50 + int.from_bytes(data[46:50], "big", signed=True)
        if 50 <= topic_end and int.from_bytes(data[topic_end : topic_end + 4], "big", signed=True) == len(data) - topic_end - 4:
            return int.from_bytes(data[6:14], "big"), b"".join(
                (data[18:34], data[38:46], data[50:topic_end], b"\0", data[topic_end + 4 :]))
    fields: list[bytes] = []
    at = 2
    for _ in range(5):
        length = int.from_bytes(data[at : at + 4], "big", signed=True)
        at += 4
        if length < 0:  # NULL
            fields.append(b"")
            continue
        fields.append(data[at : at + length])
        at += length
    if data[:2] != FIELD_COUNT or at != len(data) or len(fields[0]) != ID_SIZE:
        fields[4] = data  # unparsable: hash the whole frame, which no sealed preimage equals
    return int.from_bytes(fields[0][:ID_SIZE], "big"), b"".join((fields[1], fields[2], fields[3], b"\0", fields[4]))


def content_digest(originator: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    return hashlib.sha256(preimage(originator, version, topic, state)).digest()


def next_link(previous: bytes, notification_id: int, digest: bytes) -> bytes:
    return hashlib.sha256(previous + notification_id.to_bytes(8, "big") + digest).digest()


def chain(records: Iterable[Record], head: bytes = GENESIS) -> Iterator[tuple[int, bytes, bytes]]:
    """(notification id, content digest, link) for each record, continuing from `head`."""
    return chain_preimages(((record[0], preimage(*record[1:])) for record in records), head)


def chain_frames(frames: Iterable[bytes], head: bytes = GENESIS) -> Iterator[tuple[int, bytes, bytes, bytes]]:
    """(notification id, content digest, link, frame) for each frame as EventRecords.frames() reads it."""
    sha256 = hashlib.sha256
    for framed in frames:
        notification_id, image = unframe(framed)
        digest = sha256(image).digest()
        head = sha256(head + notification_id.to_bytes(8, "big") + digest).digest()
        yield notification_id, digest, head, framed


def chain_preimages(pairs: Iterable[tuple[int, bytes]], head: bytes = GENESIS) -> Iterator[tuple[int, bytes, bytes]]:
    """The same, from (notification id, preimage) pairs as EventRecords.preimages() gives them."""
    sha256 = hashlib.sha256
    for notification_id, image in pairs:
        digest = sha256(image).digest()
        head = sha256(head + notification_id.to_bytes(8, "big") + digest).digest()
        yield notification_id, digest, head


def pack_entries(entries: Iterable[tuple[int, bytes]]) -> bytes:
    """A checkpoint's record list: notification id (8 bytes) then content digest, per record."""
    return b"".join(notification_id.to_bytes(8, "big") + digest for notification_id, digest in entries)


def unpack_entries(blob: bytes) -> Iterator[tuple[int, bytes]]:
    for offset in range(0, len(blob), ENTRY_SIZE):
        yield int.from_bytes(blob[offset : offset + ID_SIZE], "big"), blob[offset + ID_SIZE : offset + ENTRY_SIZE]


def head_of_entries(blob: bytes, previous: bytes) -> bytes:
    """The chain head a record list leads to: a checkpoint's list must match its signed head."""
    head = previous
    sha256 = hashlib.sha256
    for offset in range(0, len(blob), ENTRY_SIZE):
        head = sha256(head + blob[offset : offset + ENTRY_SIZE]).digest()
    return head


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: "the log up to `last_id` (`count` records after `first_id - 1`) has head `head`"."""

    sequence: int  # 1, 2, 3...: a checkpoint names its predecessor's head
    first_id: int
    last_id: int
    count: int
    previous_head: bytes
    head: bytes
    created_at: str
    key_id: str
    signature: bytes = b""
    #: SHA-256 of the record list (`entries`), signed from format 2 on; b"": a format-1 checkpoint.
    entries_sha256: bytes = b""
    #: SHA-256 of the sealed records' frames, in order, signed from format 3 on; b"": format 1 or 2.
    records_sha256: bytes = b""

    @property
    def format(self) -> int:
        if not self.entries_sha256:
            return 1
        return 3 if self.records_sha256 else 2

    def message(self) -> bytes:
        """The exact bytes signed: a canonical JSON text of every field but the signature.

        Format 2 adds the record list's SHA-256, so a verifier trusts the list on the signature
        alone; a format-1 list is only trusted once it is shown to lead to the signed head (one
        SHA-256 per record, a third of `verify-log`'s time). Format 3 adds the SHA-256 of the
        records' frames, so a verifier hashes a stretch as read in one call. The chain is the same.
        """
        fields: dict[str, object] = {
            "format": f"relais-log-checkpoint/{self.format}",
            "sequence": self.sequence,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "count": self.count,
            "previous_head": self.previous_head.hex(),
            "head": self.head.hex(),
            "created_at": self.created_at,
            "key_id": self.key_id,
        }
        if self.format >= 2:
            fields["entries_sha256"] = self.entries_sha256.hex()
        if self.format >= 3:
            fields["records_sha256"] = self.records_sha256.hex()
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")
