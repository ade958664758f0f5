"""`relais verify-log` and the auditors' integrity page: recompute the chain, compare with the checkpoints.

Each checkpoint's record list is first checked against its signature (format 2 signs the list's
SHA-256; a format-1 list must lead to the signed head); then every stored
record is matched, in notification order, with the list: a missing id is a deletion, an
unknown id an insertion, a different digest a change (or a move, when the digest belongs
to another record of the same stretch). The first problem stops the walk and is named.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from infrastructure.checkpoints import LogCheckpoints
from infrastructure.event_records import EventRecords
from infrastructure.log_chain import ENTRY_SIZE, GENESIS, ID_SIZE, Checkpoint, head_of_entries, unpack_entries
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
        pages = self.records.preimage_pages()
        try:
            return self._walk(PageReader(pages), progress)
        finally:
            pages.close()  # on PostgreSQL: stops the read-ahead thread and gives its connection back now

    def _walk(self, reader: PageReader, progress: Callable[[int], None] | None) -> IntegrityReport:
        head, verified, anchored, walked = GENESIS, 0, 0, 0
        sha256 = hashlib.sha256
        for checkpoint, entries in self.checkpoints.with_entries():
            problem = self._check_checkpoint(checkpoint, entries, verified + 1, head)
            if problem is None:
                # Fast path: rebuild the stretch's record list from the log and compare it whole.
                taken = reader.take(checkpoint.count)
                rebuilt = b"".join([id_bytes + sha256(image).digest() for id_bytes, image in taken])
                if rebuilt == entries:
                    walked += len(taken)
                else:
                    records = _numbered(itertools.chain(taken, reader.rest()))
                    problem, walked = self._first_problem(records, entries, walked)
            if problem is not None:
                return IntegrityReport(walked, verified, anchored, 0, head.hex(), problem)
            head, verified, anchored = checkpoint.head, verified + 1, checkpoint.last_id
            if progress is not None:
                progress(walked)
        sealed = walked
        for id_bytes, image in reader.rest():
            head = sha256(head + id_bytes + sha256(image).digest()).digest()
            walked += 1
        return IntegrityReport(walked, verified, anchored, walked - sealed, head.hex())

    def _first_problem(self, records: Iterator[tuple[int, bytes]], entries: bytes, walked: int) -> tuple[LogProblem, int]:
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
        # Unreachable when the fast path saw a difference; kept so that a bug cannot pass silently.
        return LogProblem("changed", 0, "the stretch differs but no record could be named"), walked

    def _check_checkpoint(self, checkpoint: Checkpoint, entries: bytes, sequence: int, head: bytes) -> LogProblem | None:
        where = f"checkpoint {checkpoint.sequence} (ids {checkpoint.first_id}..{checkpoint.last_id})"
        problem, signed_list = self._signature_problem(checkpoint, where)
        if problem is not None:
            return problem
        if checkpoint.sequence != sequence or checkpoint.previous_head != head:
            return LogProblem("checkpoint_missing", checkpoint.first_id, f"{where} does not follow checkpoint {sequence - 1}")
        if (
            len(entries) != checkpoint.count * ENTRY_SIZE
            or (not signed_list and head_of_entries(entries, head) != checkpoint.head)
            or int.from_bytes(entries[:ID_SIZE], "big") != checkpoint.first_id
            or int.from_bytes(entries[-ENTRY_SIZE:-ENTRY_SIZE + ID_SIZE], "big") != checkpoint.last_id
        ):
            return LogProblem("checkpoint_missing", checkpoint.first_id, f"{where}: its record list was altered")
        return None

    def _signature_problem(self, checkpoint: Checkpoint, where: str) -> tuple[LogProblem | None, bool]:
        """The checkpoint's own key id picks the key; only keys trusted from outside the database count.

        Also says whether the signature covers the record list itself (format 2), so that the list
        need not be chained again; a format-1 signature covers only the head the list must lead to."""
        public_key = self.keys.public_key(checkpoint.key_id)
        if public_key is None:
            return LogProblem("checkpoint_signature", checkpoint.first_id,
                              f"{where}: signed by unknown key {checkpoint.key_id} (not the current key, not vouched "
                              "for by a trusted key, not in RELAIS_TRUSTED_SIGNING_KEYS)"), False
        if verifies(public_key, checkpoint.signature, checkpoint.message()):
            return None, True
        if verifies(public_key, checkpoint.signature, _format_1(checkpoint).message()):
            return None, False
        return LogProblem("checkpoint_signature", checkpoint.first_id,
                          f"{where}: signature does not verify with key {checkpoint.key_id} "
                          "(or its record list was altered)"), False

    def _changed(self, notification_id: int, digest: bytes, entries: bytes) -> LogProblem:
        """A changed record, or a moved one when its content was sealed under another id (any checkpoint)."""
        lists = [entries] + [other for _, other in self.checkpoints.with_entries()]
        for sealed in lists:
            for other_id, other_digest in unpack_entries(sealed):
                if other_digest == digest and other_id != notification_id:
                    return LogProblem("reordered", notification_id,
                                      f"record {notification_id} holds what was sealed as record {other_id}")
        return LogProblem("changed", notification_id, f"record {notification_id} differs from what was sealed")


def _format_1(checkpoint: Checkpoint) -> Checkpoint:
    """The same checkpoint as format 1 signed it: without its record list's digest."""
    return replace(checkpoint, entries_sha256=b"")


class PageReader:
    """Hands out the log's records a stretch at a time, sliced from its pages (no Python step per record)."""

    def __init__(self, pages: Iterator[list[tuple[bytes, bytes]]]) -> None:
        self.pages = pages
        self.page: list[tuple[bytes, bytes]] = []
        self.at = 0

    def take(self, count: int) -> list[tuple[bytes, bytes]]:
        taken = self.page[self.at : self.at + count]
        self.at += len(taken)
        while len(taken) < count:
            page = next(self.pages, None)
            if page is None:
                break
            wanted = count - len(taken)
            taken += page[:wanted]
            self.page, self.at = page, min(wanted, len(page))
        return taken

    def rest(self) -> Iterator[tuple[bytes, bytes]]:
        yield from self.page[self.at :]
        self.page, self.at = [], 0
        for page in self.pages:
            yield from page


def _numbered(records: Iterator[tuple[bytes, bytes]]) -> Iterator[tuple[int, bytes]]:
    return ((int.from_bytes(id_bytes, "big"), image) for id_bytes, image in records)
