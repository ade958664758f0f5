"""Keys that seal a stretch of time rather than a person: deleted by the retention job once past their period.

An auditor's searches of one day (`audit-searches:<account>:<YYYY-MM-DD>`, docs/adr/0015) and the
erasure register's references of one month (`erasure-requests:<YYYY-MM>`, docs/adr/0017). What they
sealed then reads "[effacé]"; the events stay, so the log's chain is untouched.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from application.ports import Database


@dataclass(frozen=True)
class DatedKeys:
    """Keys whose owner starts with `prefix` and ends with a day or a month, kept `months` calendar months."""

    prefix: str
    months: int

    def expired(self, subject_id: str, cutoff: date) -> bool:
        """True once the whole day or month the key seals lies before the cutoff day."""
        period = subject_id.rsplit(":", 1)[-1]
        try:
            if len(period) == len("YYYY-MM"):
                year, month = (int(part) for part in period.split("-"))
                last = date(year, month, calendar.monthrange(year, month)[1])
            else:
                last = date.fromisoformat(period)
        except ValueError:
            return False  # not a dated key of ours: never deleted by guesswork
        return last < cutoff

    def live(self, database: Database) -> list[str]:
        """The owners of keys of this kind that still exist (a scan of the key table, once a day)."""
        with database.read() as tx:
            rows = tx.fetchall(
                "SELECT subject_id FROM personal_keys WHERE subject_id LIKE ? AND wrapped_key <> '' ORDER BY subject_id",
                (f"{self.prefix}%",),
            )
        return [row["subject_id"] for row in rows]
