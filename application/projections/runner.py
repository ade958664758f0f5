"""Catch-up of projections from the notification log, on SQLite and PostgreSQL alike.

Each projection keeps its position in `projection_tracking`. A batch is applied in
the same transaction that moves the position forward with a compare-and-set, so a
batch is applied exactly once even when several processes catch up at the same
time: the loser's update matches no row and its transaction is rolled back.
Ids are read as they come (`> position`), never assumed consecutive: PostgreSQL
burns ids on rolled-back inserts. Correctness relies on commits being made in id
order, which the library's default locked insert guarantees (see docs/adr/0003).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper

from application.ports import Database, Transaction

log = logging.getLogger(__name__)


class Projection(Protocol):
    name: str

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

    def catch_up(self) -> int:
        """Apply every event recorded so far; return how many event applications were made."""
        with self._lock:
            # Look before locking: an idle catch-up must not queue behind writers.
            head = self.recorder.max_notification_id() or 0
            positions = self.positions()
            behind = [p for p in self.projections if positions.get(p.name, -1) < head]
            return sum(self._catch_up(projection) for projection in behind)

    def rebuild(self) -> int:
        """Empty every read model and replay the whole log into it."""
        with self._lock:
            for projection in self.projections:
                with self.database.transaction() as tx:
                    projection.reset(tx)
                    self._ensure_tracking(tx, projection.name)
                    tx.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (projection.name,))
            return sum(self._catch_up(projection) for projection in self.projections)

    def positions(self) -> dict[str, int]:
        with self.database.read() as tx:
            return {row["name"]: int(row["position"]) for row in tx.fetchall("SELECT name, position FROM projection_tracking")}

    def _catch_up(self, projection: Projection) -> int:
        applied = 0
        while True:
            try:
                count = self._apply_next_batch(projection)
            except LostRaceError:
                continue  # re-read the position the winner left and go on from there
            if count == 0:
                return applied
            applied += count

    def _apply_next_batch(self, projection: Projection) -> int:
        with self.database.transaction() as tx:
            self._ensure_tracking(tx, projection.name)
            row = tx.fetchone("SELECT position FROM projection_tracking WHERE name = ?", (projection.name,))
            position = int(row["position"]) if row else 0
            notifications = self.recorder.select_notifications(
                start=position, limit=self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                return 0
            claimed = tx.execute(
                "UPDATE projection_tracking SET position = ? WHERE name = ? AND position = ?",
                (notifications[-1].id, projection.name, position),
            )
            if claimed != 1:
                raise LostRaceError(projection.name)
            for notification in notifications:
                projection.apply(self.mapper.to_domain_event(notification), tx)
            return len(notifications)

    @staticmethod
    def _ensure_tracking(tx: Transaction, name: str) -> None:
        tx.execute(
            "INSERT INTO projection_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (name,)
        )
