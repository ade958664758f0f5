"""The outcome of the log's last full integrity check, kept so that every auditor's page can say when it failed.

A replay page shows what the stored records say; when someone altered a record with SQL, the page
shows the altered data (acceptance review, session 8). The check itself reads the whole log
(seconds for a million records), so it is not run per page: each full check (`relais verify-log`,
the integrity page, `relais checkpoint`, the scheduler once a day) records its outcome here, in
`app_state`, and the pages read that one row. A check given heads to hold the log to
(`--expect-head`) or told to ignore the mark is not the log's own verdict, and is not recorded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.log_report import PROBLEMS, IntegrityReport

KEY = "log_integrity_last_check"
#: How often the scheduler checks the whole log when no one else has (its ticks seal every few minutes).
DAILY = timedelta(hours=24)


@dataclass(frozen=True)
class LastCheck:
    checked_at: datetime
    ok: bool
    kind: str | None = None  # the problem's kind (log_report.LogProblem), when it failed
    notification_id: int | None = None  # the record it names, when it names one

    @property
    def label(self) -> str:
        """The problem in French, as the integrity page words it."""
        return PROBLEMS.get(self.kind or "", "problème d'intégrité")


class IntegrityChecks:
    def __init__(self, database: SQLiteDatabase | PostgresDatabase, clock: Any) -> None:
        self.database, self.clock = database, clock

    def record(self, report: IntegrityReport) -> None:
        problem = report.problem
        value = json.dumps({
            "checked_at": self.clock.now().isoformat(), "ok": report.ok,
            "kind": problem.kind if problem else None, "notification_id": problem.notification_id if problem else None,
        })
        with self.database.transaction() as tx:
            tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                       (KEY, value, value))

    def latest(self) -> LastCheck | None:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT value FROM app_state WHERE key = ?", (KEY,))
        if row is None:
            return None
        try:
            found = json.loads(row["value"])
            return LastCheck(datetime.fromisoformat(found["checked_at"]), bool(found["ok"]), found.get("kind"),
                             found.get("notification_id"))
        except (ValueError, KeyError, TypeError):  # a row edited by hand: no verdict to show
            return None

    def due(self) -> bool:
        """Whether the scheduler should check the whole log: no check in the last 24 hours."""
        last = self.latest()
        return last is None or self.clock.now() - last.checked_at >= DAILY
