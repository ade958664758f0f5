"""The retention job: erase the personal data of job seekers with no activity for N months.

"Activity" is the last event about the person (docs/adr/0017): kept by the
`person_activity` read model. The job reads candidates from it, erases each one through
the same crypto-shredding as a request, and records one `RetentionRun` with its report.
AI-use events are never deleted: only the person's key goes (AI Act Art. 26(6)).
"""
from __future__ import annotations

import calendar
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from application.caller import Caller
from application.compliance import RETENTION_JOB
from application.dated_keys import DatedKeys
from application.errors import AlreadyErasedError, NotFoundError, StaleEditError
from application.ports import Database
from domain.retention_run import ERASED, FAILED, KEPT, RetentionEntry

if TYPE_CHECKING:
    from application.app import Relais
    from application.audit.search_erasure import SearchScan

DEFAULT_MONTHS = 24
WOULD_ERASE = "would_erase"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class RetentionReport:
    run_id: str | None  # None for a dry run: nothing was recorded
    months: int
    cutoff: datetime
    examined: int  # job seekers whose data was still present
    entries: tuple[RetentionEntry, ...]
    deleted_keys: tuple[str, ...] = ()  # dated keys past their period (would be deleted, for a dry run)

    @property
    def erased(self) -> int:
        return sum(1 for e in self.entries if e.outcome == ERASED)

    @property
    def failed(self) -> int:
        return sum(1 for e in self.entries if e.outcome == FAILED)

    @property
    def kept(self) -> int:
        return sum(1 for e in self.entries if e.outcome == KEPT)


class RetentionJob:
    """A plain callable for the scheduler: `job()` erases, `job(dry_run=True)` only reports."""

    def __init__(
        self, app: Relais, database: Database, months: int = DEFAULT_MONTHS,
        catch_up: Callable[[], object] | None = None, dated_keys: tuple[DatedKeys, ...] = (),
    ) -> None:
        if months < 1:
            raise ValueError("the retention period is at least one month")
        self.app = app
        self.database = database
        self.months = months
        self.catch_up = catch_up
        self.dated_keys = dated_keys

    def __call__(self, dry_run: bool = False, started_by: Caller | None = None) -> RetentionReport:
        """`started_by`: the operator who runs it by hand, recorded with the run (the erasures' actor stays
        the job, the only one allowed to erase for retention)."""
        if self.catch_up is not None:
            self.catch_up()  # decide on the latest activity, not on a lagging read model
        now = self.app.clock.now()
        cutoff = months_before(now, self.months)
        examined, due = self.due(cutoff)
        expired = self.expired_keys(now)
        if dry_run:
            entries = tuple(RetentionEntry(*row, outcome=WOULD_ERASE) for row in due)
            return RetentionReport(None, self.months, cutoff, examined, entries, expired)
        correlation = f"retention-{uuid.uuid4()}"
        caller = Caller.job(RETENTION_JOB, correlation)
        # The auditors' searches are opened once for everyone due, not once per person (docs/adr/0017).
        scan = self.app.scan_searches_of([uuid.UUID(row[0]) for row in due], caller) if due else None
        entries = tuple(self._erase(caller, cutoff, *row, scan=scan) for row in due)
        deleted = tuple(subject for subject in expired if self.app.key_vault.destroy(subject))
        run_id = self.app.record_retention_run(self.months, cutoff, examined, entries, caller, deleted, started_by)
        if deleted and self.app.export_archives is not None:
            # Export archives hold the auditors' searches and the register's references of these days in clear.
            self.app.export_archives.discard_all(f"retention-run:{run_id}")
        return RetentionReport(str(run_id), self.months, cutoff, examined, entries, deleted)

    def expired_keys(self, now: datetime) -> tuple[str, ...]:
        """Dated keys whose period has passed: auditors' search days, months of the erasure register."""
        expired: list[str] = []
        for kind in self.dated_keys:
            cutoff = months_before(now, kind.months).date()
            expired += [subject for subject in kind.live(self.database) if kind.expired(subject, cutoff)]
        return tuple(expired)

    def run_daily(self) -> RetentionReport | None:
        """The scheduler's entry point: a run when the last one is a day old or more, however often called."""
        with self.database.read() as tx:
            row = tx.fetchone("SELECT MAX(ran_at) AS last FROM rm_retention_runs")
        last = row["last"] if row else None
        if last and self.app.clock.now() - datetime.fromisoformat(last) < timedelta(days=1):
            return None
        return self()

    def due(self, cutoff: datetime) -> tuple[int, list[tuple[str, str, str, str]]]:
        """(how many people still have data, [(id, agency, last activity, kind)] inactive since before cutoff)."""
        with self.database.read() as tx:
            count = tx.fetchone("SELECT COUNT(*) AS n FROM rm_candidates WHERE erased = 0")
            rows = tx.fetchall(
                "SELECT c.id, c.agency_id, a.last_activity_at, a.last_activity_kind FROM rm_candidates c "
                "JOIN rm_person_activity a ON a.candidate_id = c.id "
                "WHERE c.erased = 0 AND a.last_activity_at < ? ORDER BY a.last_activity_at, c.id",
                (cutoff.isoformat(),),
            )
        examined = int(count["n"]) if count else 0
        return examined, [(r["id"], r["agency_id"], r["last_activity_at"], r["last_activity_kind"]) for r in rows]

    def _erase(
        self, caller: Caller, cutoff: datetime, candidate_id: str, agency: str, last: str, kind: str,
        scan: SearchScan | None = None,
    ) -> RetentionEntry:
        latest = self._last_activity(candidate_id)
        if latest is not None and latest[0] >= cutoff.isoformat():
            # Someone acted on the person while the run went on: they are no longer inactive.
            return RetentionEntry(candidate_id, agency, latest[0], latest[1], KEPT, "activité récente")
        try:
            self.app.erase_inactive_person(uuid.UUID(candidate_id), caller, scan)
        except (AlreadyErasedError, NotFoundError, StaleEditError) as error:
            # Erased meanwhile by someone else, or changed under us: report it, carry on with the others.
            return RetentionEntry(candidate_id, agency, last, kind, FAILED, type(error).__name__)
        return RetentionEntry(candidate_id, agency, last, kind, ERASED)

    def _last_activity(self, candidate_id: str) -> tuple[str, str] | None:
        if self.catch_up is not None:
            self.catch_up()
        with self.database.read() as tx:
            row = tx.fetchone(
                "SELECT last_activity_at, last_activity_kind FROM rm_person_activity WHERE candidate_id = ?",
                (candidate_id,),
            )
        return (row["last_activity_at"], row["last_activity_kind"]) if row else None
