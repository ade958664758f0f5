"""`relais verify-log` and the auditors' integrity page: recompute the chain, compare with the checkpoints.

Each checkpoint's record list is first checked against its signature (format 2 signs the list's
SHA-256; a format-1 list must lead to the signed head). A format-3 checkpoint also signs the
SHA-256 of its records' frames: the stretch as read is hashed in one call and, when it matches,
nothing more is done per record. Otherwise (or for an older format) every stored
record is matched, in notification order, with the list: a missing id is a deletion, an
unknown id an insertion, a different digest a change (or a move, when the digest belongs
to another record of the same stretch). The first problem stops the walk and is named.

Heads kept outside the database are then compared (docs/adr/0014, "the high-water mark"): the
mark file the sealing process writes beside the signing key, and any head an auditor gives
(`verify-log --expect-head ID:HEX`, the chain head after notification ID). The checkpoints must
reach the mark's sequence, and the chain recomputed from the records must lead to each head.
When the checkpoints that covered an altered record were deleted, the record cannot be named:
the report says which checkpoints are missing and which stretch of records no longer matches.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace

from infrastructure.checkpoints import LogCheckpoints
from infrastructure.event_records import EventRecords, FrameStream
from infrastructure.log_chain import ENTRY_SIZE, GENESIS, ID_SIZE, Checkpoint, head_of_entries, unframe, unpack_entries
from infrastructure.key_ring import KeyRing
from infrastructure.log_mark import LogMark
from infrastructure.log_report import ExpectedHead, IntegrityReport, LogProblem
from infrastructure.mark_check import MarkCheck
from infrastructure.signing_key import verifies


class LogVerifier:
    def __init__(
        self, records: EventRecords, checkpoints: LogCheckpoints, keys: KeyRing, mark: LogMark | None = None,
    ) -> None:
        self.records = records
        self.checkpoints = checkpoints
        self.keys = keys  # the trusted keys, current and previous: each checkpoint names the one that signed it
        self.mark_check = MarkCheck(mark) if mark is not None else None  # the high-water mark (None: not checked)

    def verify(
        self, progress: Callable[[int], None] | None = None, expected: tuple[ExpectedHead, ...] = (),
        ignore_mark: bool = False,
    ) -> IntegrityReport:
        """`ignore_mark`: check the database's checkpoints alone (`verify-log --new-mark`, before a new mark)."""
        # The mark is read first: it is written after its checkpoint commits, so every checkpoint it
        # names is in the database by now, unless deleted.
        check = self.mark_check if not ignore_mark else None
        mark, mark_problem = check.read() if check is not None else (None, None)
        # The checkpoints to verify are fixed before the records are read: each was committed after
        # its records, so the records' snapshot holds all of them (a checkpoint sealed meanwhile waits).
        latest = self.checkpoints.latest()
        heads = list(expected)
        if check is not None and mark is not None:
            heads.append(ExpectedHead(mark.last_id, mark.head,
                                      f"the head in the high-water mark {check.file.path} (checkpoint {mark.sequence})"))
        stream = self.records.frame_stream()
        try:
            report = self._walk(stream, latest.sequence if latest else 0, progress, sorted(heads, key=_by_id))
        finally:
            stream.close()  # on PostgreSQL, after a problem: cancels the COPY and gives its connection back now
        if check is not None and mark is None and mark_problem is None:
            mark_problem = check.first_mark(latest, clean=report.problem is None)
        in_database = latest.sequence if latest else 0
        if check is not None and mark is not None and in_database < mark.sequence and (
                report.problem is None or (report.problem.kind == "head_mismatch" and report.checkpoints == in_database)):
            # Checkpoints deleted: said first, with what the records' chain shows over the stretch they covered.
            return replace(report, problem=check.checkpoints_deleted(report, mark, in_database))
        if report.problem is None and mark_problem is not None:
            return replace(report, problem=mark_problem)
        return report

    def _walk(
        self, stream: FrameStream, upto: int, progress: Callable[[int], None] | None, heads: list[ExpectedHead],
    ) -> IntegrityReport:
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
            while problem is None and heads and heads[0].notification_id <= checkpoint.last_id:
                problem = _sealed_head_problem(heads.pop(0), checkpoint, entries)
            if problem is not None:
                return IntegrityReport(walked, verified, anchored, 0, head.hex(), problem, anchored)
            head, verified, anchored = checkpoint.head, verified + 1, checkpoint.last_id
            if progress is not None:
                progress(walked)
        sealed, last_id = walked, anchored
        # The records not yet sealed (or whose checkpoints are gone): chained one by one; each head kept
        # outside is compared when the walk passes its notification id.
        next_id = heads[0].notification_id if heads else 2**63
        for framed in stream.rest():
            notification_id, image = unframe(framed)
            while notification_id > next_id:
                if (problem := _tail_head_problem(heads.pop(0), head, anchored)) is not None:
                    return IntegrityReport(walked, verified, anchored, walked - sealed, head.hex(), problem, last_id)
                next_id = heads[0].notification_id if heads else 2**63
            head = sha256(head + notification_id.to_bytes(ID_SIZE, "big") + sha256(image).digest()).digest()
            walked, last_id = walked + 1, notification_id
        for expected in heads:  # at or after the last record
            if (problem := _tail_head_problem(expected, head, anchored, last_id)) is not None:
                return IntegrityReport(walked, verified, anchored, walked - sealed, head.hex(), problem, last_id)
        return IntegrityReport(walked, verified, anchored, walked - sealed, head.hex(), None, last_id)

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


def _by_id(expected: ExpectedHead) -> int:
    return expected.notification_id


def _sealed_head_problem(expected: ExpectedHead, checkpoint: Checkpoint, entries: bytes) -> LogProblem | None:
    """A head kept outside, at a record a verified checkpoint covers: its signed record list gives the head there."""
    if expected.notification_id == checkpoint.last_id:
        at = checkpoint.head  # signed
    else:
        at = head_of_entries(b"".join(_entries_upto(entries, expected.notification_id)), checkpoint.previous_head)
    if at == expected.head:
        return None
    return LogProblem("head_mismatch", None,
                      f"checkpoint {checkpoint.sequence} verifies, but the chain it seals reaches head {at.hex()} after "
                      f"notification {expected.notification_id}, not {expected.source} "
                      f"({expected.head.hex()}): its checkpoints were signed again over another log (with the signing "
                      "key), or that head belongs to another log")


def _entries_upto(entries: bytes, notification_id: int) -> list[bytes]:
    return [entries[offset : offset + ENTRY_SIZE] for offset in range(0, len(entries), ENTRY_SIZE)
            if int.from_bytes(entries[offset : offset + ID_SIZE], "big") <= notification_id]


def _tail_head_problem(expected: ExpectedHead, head: bytes, anchored: int, last_id: int | None = None) -> LogProblem | None:
    """A head kept outside, at a record no checkpoint in the database covers (`last_id`: the log's last record,
    when the head names one after it)."""
    if head == expected.head:
        return None
    if last_id is not None and expected.notification_id > last_id:
        return LogProblem("head_mismatch", None,
                          f"the log ends at notification {last_id}, before notification {expected.notification_id} that "
                          f"{expected.source} ({expected.head.hex()}) follows: records were deleted from its end, or "
                          "that head belongs to another log")
    return LogProblem("head_mismatch", None,
                      f"the records after notification {anchored} (the last one a checkpoint in the database covers) "
                      f"up to notification {expected.notification_id} do not lead to {expected.source} "
                      f"({expected.head.hex()}): at least one of them was changed, deleted, inserted or moved, and "
                      "no checkpoint in the database names it (not sealed yet, or its checkpoints were deleted)")


def _as_signed(checkpoint: Checkpoint) -> list[Checkpoint]:
    """The checkpoint as each format could have signed it, newest first: format 2 without the records'
    digest, format 1 without the record list's digest either."""
    forms = [checkpoint]
    if checkpoint.format == 3:
        forms.append(replace(checkpoint, records_sha256=b""))
    forms.append(replace(checkpoint, entries_sha256=b"", records_sha256=b""))
    return forms
