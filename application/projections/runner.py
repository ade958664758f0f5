"""Catch-up of projections from the notification log, on SQLite and PostgreSQL alike.

Each projection keeps its position in `projection_tracking`. A batch is applied to
every projection that is behind, in ONE transaction that also moves each position
forward with a compare-and-set, so a batch is applied exactly once even when several
processes catch up at the same time: the loser's update matches no row and its
transaction is rolled back. Each event is decoded once (decoding reads personal-data
keys) and only if some projection reads its topic.

Ids are read as they come (`> position`), never assumed consecutive: PostgreSQL burns
ids on rolled-back inserts. Correctness relies on commits being made in id order,
which the library's default locked insert guarantees (docs/adr/0003).
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification, Recording

from application.ports import ClaimingRecorder, Database, InsertClaim, Transaction
from application.transactions import joined


class Projection(Protocol):
    name: str
    #: Topic prefixes of the events it reads (e.g. "domain.candidate:"); empty reads all.
    topics: tuple[str, ...]

    def reset(self, tx: Transaction) -> None:
        """Empty the projection's tables (rebuild from zero)."""

    def apply(self, event: Any, tx: Transaction) -> None:
        """Apply one domain event; ignore events of no interest."""


class LostRaceError(Exception):
    """Another process applied this batch first; nothing was written here."""


class ProjectionRunner:
    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        database: Database,
        projections: Sequence[Projection],
        batch_size: int = 500,
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.database = database
        self.projections = tuple(projections)
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._tracking_rows_exist = False
        #: The recorder claims the positions in its insert's round trip once this runner applies saves
        #: (`apply_pending`); until then it must not, or a save nobody applies would skip events.
        self._claiming = recorder if isinstance(recorder, ClaimingRecorder) else None
        self._claiming_armed = False

    def catch_up(self) -> int:
        """Apply every event recorded so far; return how many events were read."""
        with self._lock:
            # Look before locking: an idle catch-up must not queue behind writers.
            head = self.recorder.max_notification_id() or 0
            positions = self.positions()
            if all(positions.get(p.name, -1) >= head for p in self.projections):
                return 0
            return self._catch_up()

    def apply_pending(self, recordings: Sequence[Recording[Any]] = ()) -> int:
        """Catch up inside the caller's transaction (a command's unit of work).

        Without the in-process lock: the caller may hold the database's write lock while
        another thread holds this runner's lock and waits for that write lock. The
        compare-and-set on positions keeps batches exactly-once all the same.

        `recordings`: what the caller's save just recorded. When every projection stands right
        before them, they are the whole of what is pending (the caller's transaction holds the
        log's insert lock, so nothing can follow them yet), and the log is not read back.
        """
        if self._claiming is not None and not self._claiming_armed:
            # From the next save on (this one's insert has been made), see `_claimed_on_insert`.
            self._claiming.claim_on_insert([p.name for p in self.projections])
            self._claiming_armed = True
        return self._catch_up(sorted((recording.notification for recording in recordings), key=lambda n: n.id))

    def rebuild(self) -> int:
        """Empty every read model and replay the whole log into it."""
        with self._lock:
            with self.database.transaction() as tx:
                self._ensure_tracking(tx)
                for projection in self.projections:
                    projection.reset(tx)
                    tx.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (projection.name,))
            return self._catch_up()

    def positions(self) -> dict[str, int]:
        with self.database.read() as tx:
            return {row["name"]: int(row["position"]) for row in tx.fetchall("SELECT name, position FROM projection_tracking")}

    def _catch_up(self, recorded: Sequence[Notification] = ()) -> int:
        read = 0
        while True:
            try:
                count = self._apply_next_batch(recorded)
            except LostRaceError:
                recorded = ()  # re-read the positions the winner left, and the log, and go on from there
                continue
            recorded = ()
            read += count
            if count < self.batch_size:
                return read  # a short batch reached the head; what arrives later, the next catch-up reads

    def _apply_next_batch(self, recorded: Sequence[Notification] = ()) -> int:
        # In a command's transaction, no savepoint: a lost race writes nothing but positions, which
        # `_claim` puts back itself, and any other failure fails the command whole.
        with joined(self.database) as tx:
            if not self._tracking_rows_exist:
                self._ensure_tracking(tx)
            claim = self._claiming.claimed_on_insert() if recorded and self._claiming is not None else None
            claimed = self._claimed_on_insert(tx, claim, recorded) if claim is not None else None
            everyone_before = {p.name: recorded[0].id - 1 for p in self.projections} if recorded else {}
            if claimed is not None:
                # The insert claimed every projection at the log's head (PostgreSQL, same round trip).
                behind, notifications = claimed, recorded
            elif recorded and claim is None and self._claim(tx, everyone_before, recorded[-1].id, own_events=True):
                # Every projection stood right before what was just recorded: that is all there is to
                # apply (the caller holds the log's insert lock), and the log is not read back.
                behind, notifications = everyone_before, recorded
            else:
                rows = tx.fetchall("SELECT name, position FROM projection_tracking")
                positions = {row["name"]: int(row["position"]) for row in rows}
                behind = {p.name: positions[p.name] for p in self.projections}
                notifications = self.recorder.select_notifications(
                    start=min(behind.values()), limit=self.batch_size, inclusive_of_start=False
                )
                if not notifications:
                    return 0
                if not self._claim(tx, behind, notifications[-1].id):
                    raise LostRaceError(", ".join(behind))
            with self.database.pipelined():  # the read models' writes: one round trip on PostgreSQL
                for notification in notifications:
                    readers = [
                        p for p in self.projections
                        if notification.id > behind[p.name] and _reads(p, notification.topic)
                    ]
                    if readers:
                        event = self.mapper.to_domain_event(notification)
                        for projection in readers:
                            if getattr(projection, "reads_positions", False):
                                # e.g. the history index, whose rows are keyed by notification id
                                projection.apply_at(notification.id, event, tx)
                            else:
                                projection.apply(event, tx)
            return len(notifications)

    def _claimed_on_insert(
        self, tx: Transaction, claim: InsertClaim, recorded: Sequence[Notification]
    ) -> dict[str, int] | None:
        """Where every projection stood if the insert of `recorded` claimed them all, else None.

        A projection that was not at the log's head (another writer's events not yet applied, a
        rebuild) was not claimed; those that were are put back (the insert locked their rows), and
        the caller reads the positions and the log as a catch-up does."""
        names = {p.name for p in self.projections}
        if claim.names == names and claim.last == recorded[-1].id:
            return {name: claim.before for name in names}
        for name in claim.names:
            tx.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (claim.before, name))
        return None

    @staticmethod
    def _claim(tx: Transaction, behind: dict[str, int], last: int, own_events: bool = False) -> bool:
        """Move every projection behind `last` to it if each still stands where `behind` says;
        otherwise move none (what was moved is put back) and say so.

        `own_events`: `last` is an event of this transaction, which holds the log's insert lock, so
        no other transaction can have moved a projection to it: a row count tells what moved. That
        spares SQLite's RETURNING, which builds a temporary structure on the heap at every call and
        was the costliest statement of a registration (session 5). Otherwise RETURNING names them."""
        by_position: dict[int, list[str]] = {}
        for name, position in behind.items():
            if position < last:
                by_position.setdefault(position, []).append(name)
        moved: list[tuple[str, int]] = []
        for position, names in by_position.items():  # usually one statement: all were at the same place
            update = (f"UPDATE projection_tracking SET position = ? WHERE position = ? AND name IN "
                      f"({', '.join('?' * len(names))})")
            if own_events:
                count = tx.execute(update, (last, position, *names))
                moved.extend((name, position) for name in names)  # at `last` only if this moved it
            else:
                rows = tx.fetchall(update + " RETURNING name", (last, position, *names))
                count = len(rows)
                moved.extend((row["name"], position) for row in rows)
            if count != len(names):
                # Put back what was moved (its rows are locked by this transaction), so that a caller's
                # transaction that goes on holds no position it did not apply.
                for name, old in moved:
                    tx.execute("UPDATE projection_tracking SET position = ? WHERE name = ? AND position = ?",
                               (old, name, last))
                return False
        return True

    def _ensure_tracking(self, tx: Transaction) -> None:
        for projection in self.projections:
            tx.execute(
                "INSERT INTO projection_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
                (projection.name,),
            )
        self._tracking_rows_exist = True


def _reads(projection: Projection, topic: str) -> bool:
    prefixes = getattr(projection, "topics", ())
    return not prefixes or topic.startswith(prefixes)
