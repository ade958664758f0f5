"""Signed checkpoints of the log's hash chain, written as the log grows (docs/adr/0014).

`write_checkpoint()` is the job the scheduler calls (and `relais checkpoint`): it seals
every full stretch of `every` new records, and the shorter tail too when forced or when
the last checkpoint is a day old. Two processes may call it at once: a lock (advisory on
PostgreSQL, the write lock on SQLite) makes the second one see the first one's work.
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
from infrastructure.log_chain import GENESIS, Checkpoint, chain_preimages, pack_entries
from infrastructure.signing_key import SigningKey

CHECKPOINT_LOCK_ID = 7_346_022
DEFAULT_EVERY = 1_000
DAILY = timedelta(days=1)
_COLUMNS = "sequence, first_id, last_id, record_count, previous_head, head, created_at, key_id, signature"


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


class LogCheckpoints:
    def __init__(
        self,
        database: SQLiteDatabase | PostgresDatabase,
        records: EventRecords,
        key: SigningKey,
        clock: Any,
        every: int = DEFAULT_EVERY,
        max_age: timedelta = DAILY,
    ) -> None:
        self.database = database
        self.records = records
        self.key = key
        self.clock = clock
        self.every = every
        self.max_age = max_age

    def latest(self) -> Checkpoint | None:
        with self.database.read() as tx:
            row = tx.fetchone(f"SELECT {_COLUMNS} FROM log_checkpoints ORDER BY sequence DESC LIMIT 1")
        return _checkpoint(row) if row else None

    def count(self) -> int:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT COUNT(*) AS n FROM log_checkpoints")
        return int(row["n"]) if row else 0

    def with_entries(self, page: int = 25) -> Iterator[tuple[Checkpoint, bytes]]:
        """Every checkpoint in order with its record list, a page at a time (flat memory).

        Each comes with the list's SHA-256 filled in, as format 2 signs it: for a format-1
        checkpoint the verifier drops it again (`Checkpoint.message`)."""
        after = 0
        while True:
            with self.database.read() as tx:
                rows = tx.fetchall(
                    f"SELECT {_COLUMNS}, entries FROM log_checkpoints WHERE sequence > ? ORDER BY sequence LIMIT ?",
                    (after, page),
                )
            if not rows:
                return
            for row in rows:
                entries = base64.b64decode(row["entries"])
                yield replace(_checkpoint(row), entries_sha256=hashlib.sha256(entries).digest()), entries
            after = int(rows[-1]["sequence"])

    def write_checkpoint(self, force: bool = False) -> list[Checkpoint]:
        """Seal what is due; return the checkpoints written (none if nothing was due)."""
        written: list[Checkpoint] = []
        with self.database.transaction() as tx:
            if self.database.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(?)", (CHECKPOINT_LOCK_ID,))
            row = tx.fetchone(f"SELECT {_COLUMNS} FROM log_checkpoints ORDER BY sequence DESC LIMIT 1")
            latest = _checkpoint(row) if row else None
            now = self.clock.now()
            tail_due = force or latest is None or now - datetime.fromisoformat(latest.created_at) >= self.max_age
            sequence = latest.sequence if latest else 0
            head = latest.head if latest else GENESIS
            after = latest.last_id if latest else 0
            stretch: list[tuple[int, bytes]] = []
            for notification_id, digest, link in chain_preimages(self.records.preimages(after=after), head):
                stretch.append((notification_id, digest))
                if len(stretch) == self.every:
                    sequence += 1
                    written.append(self._insert(tx, sequence, stretch, head, link, now))
                    head, stretch = link, []
            if stretch and tail_due:
                sequence += 1
                written.append(self._insert(tx, sequence, stretch, head, link, now))
        return written

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
        self, tx: Any, sequence: int, stretch: list[tuple[int, bytes]], previous: bytes, head: bytes, now: datetime
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
        )
        signature = self.key.sign(checkpoint.message())
        tx.execute(
            f"INSERT INTO log_checkpoints ({_COLUMNS}, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                checkpoint.sequence, checkpoint.first_id, checkpoint.last_id, checkpoint.count,
                checkpoint.previous_head.hex(), checkpoint.head.hex(), checkpoint.created_at, checkpoint.key_id,
                base64.b64encode(signature).decode("ascii"), base64.b64encode(entries).decode("ascii"),
            ),
        )
        return checkpoint
