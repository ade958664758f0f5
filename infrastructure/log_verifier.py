"""`relais verify-log` and the auditors' integrity page: recompute the chain, compare with the checkpoints.

Each checkpoint's record list is first checked against its signature (format 2 signs the list's
SHA-256; a format-1 list must lead to the signed head). A format-3 checkpoint also signs the
SHA-256 of its records' frames: the stretch as read is hashed in one call and, when it matches,
nothing more is done per record. Otherwise (or for an older format) every stored
record is matched, in notification order, with the list: a missing id is a deletion, an
unknown id an insertion, a different digest a change (or a move, when the digest belongs
to another record of the same stretch). The first problem stops the walk and is named.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from infrastructure.checkpoints import LogCheckpoints
from infrastructure.event_records import EventRecords, FrameStream
from infrastructure.log_chain import ENTRY_SIZE, GENESIS, ID_SIZE, Checkpoint, head_of_entries, unframe, unpack_entries
from infrastructure.key_ring import KeyRing
from infrastructure.signing_key import verifies

#: Kinds of problem, with the French label shown to auditors.
PROBLEMS = {
    "changed": "enregistrement modifié",
    "deleted": "enregistrement supprimé",
    "inserted": "enregistrement inséré",
    "reordered": "enregistrement déplacé (ordre changé)",
    "checkpoint_signature": "signature de point de contrôle invalide",
    "checkpoint_missing": "point de contrôle manquant ou modifié",
}


@dataclass(frozen=True)
class LogProblem:
    kind: str
    notification_id: int
    detail: str

    @property
    def label(self) -> str:
        return PROBLEMS[self.kind]


@dataclass(frozen=True)
class IntegrityReport:
    records: int  # records walked
    checkpoints: int  # checkpoints verified
    anchored_upto: int  # last notification id covered by a verified checkpoint (0: none)
    unanchored: int  # records after the last checkpoint: chained, not yet signed
    head: str  # the chain head over every record walked (hex)
    problem: LogProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class LogVerifier:
    def __init__(self, records: EventRecords, checkpoints: LogCheckpoints, keys: KeyRing) -> None:
        self.records = records
        self.checkpoints = checkpoints
        self.keys = keys  # the trusted keys, current and previous: each checkpoint names the one that signed it

    def verify(self, progress: Callable[[int], None] | None = None) -> IntegrityReport:
        # The checkpoints to verify are fixed before the records are read: each was committed after
        # its records, so the records' snapshot holds all of them (a checkpoint sealed meanwhile waits).
        latest = self.checkpoints.latest()
        stream = self.records.frame_stream()
        try:
            return self._walk(stream, latest.sequence if latest else 0, progress)
        finally:
            stream.close()  # on PostgreSQL, after a problem: cancels the COPY and gives its connection back now

    def _walk(self, stream: FrameStream, upto: int, progress: Callable[[int], None] | None) -> IntegrityReport:
        head, verified, anchored, walked = GENESIS, 0, 0, 0
        sha256 = hashlib.sha256
        for checkpoint, entries in self.checkpoints.with_entries(upto=upto):
            problem, signed = self._check_checkpoint(checkpoint, entries, verified + 1, head)
            if problem is None:
                if signed == 3:
                    # Fast path: the stretch's frames hashed as they arrive, nothing per record in Python
                    # but the hash update. Only when it differs is the stretch read again, record by record.
                    count, digest = stream.hash(checkpoint.count)
                    if count == checkpoint.count and digest == checkpoint.records_sha256:
                        walked += count
                    else:
                        problem, walked = self._drill_down(anchored, entries, walked, checkpoint)
                else:
                    # Formats 1 and 2: rebuild the stretch's record list from the log and compare it whole.
                    taken = stream.take(checkpoint.count)
                    if b"".join([n.to_bytes(ID_SIZE, "big") + sha256(image).digest()
                                 for n, image in map(unframe, taken)]) == entries:
                        walked += len(taken)
                    else:
                        records = map(unframe, itertools.chain(taken, stream.rest()))
                        problem, walked = self._first_problem(records, entries, walked, checkpoint)
            if problem is not None:
                return IntegrityReport(walked, verified, anchored, 0, head.hex(), problem)
            head, verified, anchored = checkpoint.head, verified + 1, checkpoint.last_id
            if progress is not None:
                progress(walked)
        sealed = walked
        for framed in stream.rest():
            notification_id, image = unframe(framed)
            head = sha256(head + notification_id.to_bytes(ID_SIZE, "big") + sha256(image).digest()).digest()
            walked += 1
        return IntegrityReport(walked, verified, anchored, walked - sealed, head.hex())

    def _drill_down(self, after: int, entries: bytes, walked: int, checkpoint: Checkpoint) -> tuple[LogProblem, int]:
        """A format-3 stretch differs: read it again from its start (a new snapshot) to name the record."""
        again = self.records.frame_stream(after)
        try:
            return self._first_problem(map(unframe, again.rest()), entries, walked, checkpoint)
        finally:
            again.close()

    def _first_problem(
        self, records: Iterator[tuple[int, bytes]], entries: bytes, walked: int, checkpoint: Checkpoint
    ) -> tuple[LogProblem, int]:
        """Record by record through a stretch known to differ: name the first difference."""
        pending: tuple[int, bytes] | None = None
        for offset in range(0, len(entries), ENTRY_SIZE):
            expected_id = int.from_bytes(entries[offset : offset + ID_SIZE], "big")
            record = pending if pending is not None else next(records, None)
            pending = None
            if record is None or record[0] > expected_id:
                return LogProblem("deleted", expected_id, f"record {expected_id} is missing"), walked
            walked += 1
            if record[0] < expected_id:
                return LogProblem("inserted", record[0], f"record {record[0]} was not in the log when it was sealed"), walked
            digest = hashlib.sha256(record[1]).digest()
            if digest != entries[offset + ID_SIZE : offset + ENTRY_SIZE]:
                return self._changed(expected_id, digest, entries), walked
        # Every record's content is as sealed, yet the frames differ: the bytes moved between fields
        # (a topic holding a NUL byte, on SQLite). Reported, never passed.
        return LogProblem("changed", checkpoint.first_id,
                          f"records {checkpoint.first_id}..{checkpoint.last_id} differ from what was sealed "
                          "(the same bytes, split into other fields)"), walked

    def _check_checkpoint(
        self, checkpoint: Checkpoint, entries: bytes, sequence: int, head: bytes
    ) -> tuple[LogProblem | None, int]:
        """A problem with the checkpoint itself, or None and the format its signature verified in."""
        where = f"checkpoint {checkpoint.sequence} (ids {checkpoint.first_id}..{checkpoint.last_id})"
        problem, signed = self._signature_problem(checkpoint, where)
        if problem is not None:
            return problem, 0
        if checkpoint.sequence != sequence or checkpoint.previous_head != head:
            return LogProblem("checkpoint_missing", checkpoint.first_id, f"{where} does not follow checkpoint {sequence - 1}"), 0
        if (
            len(entries) != checkpoint.count * ENTRY_SIZE
            or (signed == 1 and head_of_entries(entries, head) != checkpoint.head)
            or int.from_bytes(entries[:ID_SIZE], "big") != checkpoint.first_id
            or int.from_bytes(entries[-ENTRY_SIZE:-ENTRY_SIZE + ID_SIZE], "big") != checkpoint.last_id
        ):
            return LogProblem("checkpoint_missing", checkpoint.first_id, f"{where}: its record list was altered"), 0
        return None, signed

    def _signature_problem(self, checkpoint: Checkpoint, where: str) -> tuple[LogProblem | None, int]:
        """The checkpoint's own key id picks the key; only keys trusted from outside the database count.

        Also says which format the signature covers: 3 (the records' frames and the record list),
        2 (the list: it need not be chained again) or 1 (only the head the list must lead to).
        A checkpoint written before format 3 has no records' digest; one whose stored digest was
        added or changed by hand fails as format 3 and is then checked as the older format it was."""
        public_key = self.keys.public_key(checkpoint.key_id)
        if public_key is None:
            return LogProblem("checkpoint_signature", checkpoint.first_id,
                              f"{where}: signed by unknown key {checkpoint.key_id} (not the current key, not vouched "
                              "for by a trusted key, not in RELAIS_TRUSTED_SIGNING_KEYS)"), 0
        for signed in _as_signed(checkpoint):
            if verifies(public_key, checkpoint.signature, signed.message()):
                return None, signed.format
        return LogProblem("checkpoint_signature", checkpoint.first_id,
                          f"{where}: signature does not verify with key {checkpoint.key_id} "
                          "(or its record list was altered)"), 0

    def _changed(self, notification_id: int, digest: bytes, entries: bytes) -> LogProblem:
        """A changed record, or a moved one when its content was sealed under another id (any checkpoint)."""
        lists = [entries] + [other for _, other in self.checkpoints.with_entries()]
        for sealed in lists:
            for other_id, other_digest in unpack_entries(sealed):
                if other_digest == digest and other_id != notification_id:
                    return LogProblem("reordered", notification_id,
                                      f"record {notification_id} holds what was sealed as record {other_id}")
        return LogProblem("changed", notification_id, f"record {notification_id} differs from what was sealed")


def _as_signed(checkpoint: Checkpoint) -> list[Checkpoint]:
    """The checkpoint as each format could have signed it, newest first: format 2 without the records'
    digest, format 1 without the record list's digest either."""
    forms = [checkpoint]
    if checkpoint.format == 3:
        forms.append(replace(checkpoint, records_sha256=b""))
    forms.append(replace(checkpoint, entries_sha256=b"", records_sha256=b""))
    return forms
