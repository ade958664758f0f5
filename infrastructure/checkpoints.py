"""Signed checkpoints of the log's hash chain, written as the log grows (docs/adr/0014).

`write_checkpoint()` seals every full stretch of `every` new records, and the shorter tail
too when forced or when the last checkpoint is a day old. Forced is what the scheduler's
"log-seal" job runs every few minutes (`AuditLog.scheduled_jobs`): everything new, tail included, so a record stays
unsealed (editable without verify-log noticing) for one tick at most; a tick with nothing new
writes nothing. Two processes may call either at once: a lock (advisory on PostgreSQL, the
write lock on SQLite) makes the second one see the first one's work.

With a high-water mark (infrastructure/log_mark.py), each checkpoint committed moves the mark
kept outside the database, and nothing is sealed while the database contradicts it (its
checkpoints end before the mark, or the checkpoint the mark names has another head, or the mark
is gone while checkpoints exist): sealing then would sign records that may have been altered.
A log whose checkpoints were sealed before any mark (the database records no mark id) gets its
first mark from a clean verification (log_verifier.py), not from a seal.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.event_records import EventRecords
from infrastructure.log_chain import GENESIS, Checkpoint, chain_frames, pack_entries
from infrastructure.log_mark import LogMark, LogMarkError
from infrastructure.signing_key import SigningKey

CHECKPOINT_LOCK_ID = 7_346_022
DEFAULT_EVERY = 1_000
DAILY = timedelta(days=1)
_COLUMNS = "sequence, first_id, last_id, record_count, previous_head, head, created_at, key_id, signature"
_LIST_COLUMNS = "entries, records_sha256"  # format 3 signs the records' digest; NULL before (formats 1 and 2)


def _checkpoint(row: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        sequence=int(row["sequence"]),
        first_id=int(row["first_id"]),
        last_id=int(row["last_id"]),
        count=int(row["record_count"]),
        previous_head=bytes.fromhex(row["previous_head"]),
        head=bytes.fromhex(row["head"]),
        created_at=row["created_at"],
        key_id=row["key_id"],
        signature=base64.b64decode(row["signature"]),
    )


def _unhex(text: str | None) -> bytes:
    try:
        return bytes.fromhex(text or "")
    except ValueError:
        return b"\xff"  # edited by hand into something no signer wrote: its signature then fails


class SealRefusedError(Exception):
    """The database's checkpoints contradict the high-water mark kept outside it: nothing is sealed."""


class LogCheckpoints:
    def __init__(
        self,
        database: SQLiteDatabase | PostgresDatabase,
        records: EventRecords,
        key: SigningKey,
        clock: Any,
        every: int = DEFAULT_EVERY,
        max_age: timedelta = DAILY,
        mark: LogMark | None = None,
    ) -> None:
        self.database = database
        self.records = records
        self.key = key
        self.clock = clock
        self.every = every
        self.max_age = max_age
        self.mark = mark

    def latest(self) -> Checkpoint | None:
        with self.database.read() as tx:
            row = tx.fetchone(f"SELECT {_COLUMNS} FROM log_checkpoints ORDER BY sequence DESC LIMIT 1")
        return _checkpoint(row) if row else None

    def count(self) -> int:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT COUNT(*) AS n FROM log_checkpoints")
        return int(row["n"]) if row else 0

    def with_entries(self, page: int = 25, upto: int | None = None) -> Iterator[tuple[Checkpoint, bytes]]:
        """Every checkpoint in order (up to sequence `upto`) with its record list, a page at a time (flat memory).

        Each comes with the list's SHA-256 filled in, as formats 2 and 3 sign it, and the records'
        digest as stored: the verifier drops what an older format did not sign (`Checkpoint.format`)."""
        after, last = 0, upto if upto is not None else 2**62
        while True:
            with self.database.read() as tx:
                rows = tx.fetchall(
                    f"SELECT {_COLUMNS}, {_LIST_COLUMNS} FROM log_checkpoints WHERE sequence > ? AND sequence <= ? "
                    "ORDER BY sequence LIMIT ?",
                    (after, last, page),
                )
            if not rows:
                return
            for row in rows:
                entries = base64.b64decode(row["entries"])
                yield replace(_checkpoint(row), entries_sha256=hashlib.sha256(entries).digest(),
                              records_sha256=_unhex(row["records_sha256"])), entries
            after = int(rows[-1]["sequence"])

    def write_checkpoint(self, force: bool = False) -> list[Checkpoint]:
        """Seal what is due; return the checkpoints written (none if nothing was due)."""
        if self.mark is None:
            return self._write_checkpoint(force)
        with self.mark.locked():  # from before the transaction until the mark is written (log_mark.py)
            written = self._write_checkpoint(force)
            if written:
                self.mark.advance_locked(written[-1])  # once committed: a mark never names a missing checkpoint
        return written

    def _write_checkpoint(self, force: bool) -> list[Checkpoint]:
        written: list[Checkpoint] = []
        with self.database.transaction() as tx:
            if self.database.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(?)", (CHECKPOINT_LOCK_ID,))
            row = tx.fetchone(f"SELECT {_COLUMNS} FROM log_checkpoints ORDER BY sequence DESC LIMIT 1")
            latest = _checkpoint(row) if row else None
            self._refuse_against_the_mark(tx, latest)
            now = self.clock.now()
            tail_due = force or latest is None or now - datetime.fromisoformat(latest.created_at) >= self.max_age
            sequence = latest.sequence if latest else 0
            head = latest.head if latest else GENESIS
            after = latest.last_id if latest else 0
            stretch: list[tuple[int, bytes]] = []
            records = hashlib.sha256()  # over the stretch's frames, as the verifier will read them
            link = head
            for page in self.records.frames(after=after):
                for notification_id, digest, link, framed in chain_frames(page, link):
                    stretch.append((notification_id, digest))
                    records.update(framed)
                    if len(stretch) == self.every:
                        sequence += 1
                        written.append(self._insert(tx, sequence, stretch, records.digest(), head, link, now))
                        head, stretch, records = link, [], hashlib.sha256()
            if stretch and tail_due:
                sequence += 1
                written.append(self._insert(tx, sequence, stretch, records.digest(), head, link, now))
        return written

    def _refuse_against_the_mark(self, tx: Any, latest: Checkpoint | None) -> None:
        """SealRefusedError when the checkpoints in the database end before the mark or disagree with it."""
        if self.mark is None:
            return
        try:
            mark = self.mark.read()
        except LogMarkError as error:
            raise SealRefusedError(f"nothing sealed: {error}") from None
        if mark is None:
            if latest is None and self.mark.never_written() and (others := self.mark.files()):
                raise SealRefusedError(f"nothing sealed: {self.mark.unclaimed_files_meaning(others)} (run relais verify-log)")
            if latest is not None and self.mark.never_written():
                raise SealRefusedError("nothing sealed: this log's checkpoints have no high-water mark yet (sealed by an "
                                       "older version); the first one is written after a clean verification "
                                       "(relais verify-log, or the scheduler's next tick)")
            if latest is not None:
                raise SealRefusedError(f"nothing sealed: the high-water mark {self.mark.path} is missing while the "
                                       f"database holds checkpoints up to {latest.sequence} (run relais verify-log)")
            return
        if latest is None or latest.sequence < mark.sequence:
            raise SealRefusedError(f"nothing sealed: checkpoints up to {mark.sequence} are missing from the database "
                                   f"(it holds {latest.sequence if latest else 0}; run relais verify-log)")
        row = tx.fetchone("SELECT head FROM log_checkpoints WHERE sequence = ?", (mark.sequence,))
        if row is None or _unhex(row["head"]) != mark.head:
            raise SealRefusedError(f"nothing sealed: checkpoint {mark.sequence} does not hold the head the "
                                   f"high-water mark {self.mark.path} holds (run relais verify-log)")

    def due(self) -> bool:
        """True when write_checkpoint() would seal something (cheap: two small queries)."""
        latest = self.latest()
        pending = self.records.max_id() - (latest.last_id if latest else 0)
        if pending <= 0:
            return False
        if latest is None or self.clock.now() - datetime.fromisoformat(latest.created_at) >= self.max_age:
            return True
        return pending >= self.every  # ids may have holes: at worst a call that seals nothing

    def _insert(
        self, tx: Any, sequence: int, stretch: list[tuple[int, bytes]], records_sha256: bytes, previous: bytes,
        head: bytes, now: datetime,
    ) -> Checkpoint:
        entries = pack_entries(stretch)
        checkpoint = Checkpoint(
            sequence=sequence,
            first_id=stretch[0][0],
            last_id=stretch[-1][0],
            count=len(stretch),
            previous_head=previous,
            head=head,
            created_at=now.isoformat(),
            key_id=self.key.key_id,
            entries_sha256=hashlib.sha256(entries).digest(),
            records_sha256=records_sha256,
        )
        signature = self.key.sign(checkpoint.message())
        tx.execute(
            f"INSERT INTO log_checkpoints ({_COLUMNS}, {_LIST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                checkpoint.sequence, checkpoint.first_id, checkpoint.last_id, checkpoint.count,
                checkpoint.previous_head.hex(), checkpoint.head.hex(), checkpoint.created_at, checkpoint.key_id,
                base64.b64encode(signature).decode("ascii"), base64.b64encode(entries).decode("ascii"),
                records_sha256.hex(),
            ),
        )
        return replace(checkpoint, signature=signature)
