"""The scheduler: APScheduler 3 ticks a few jobs, in one process only (infrastructure/leadership.py).

It only ticks. What is due lives in the event store (a projection of pending follow-ups), so a
job reads it afresh on every tick and nothing is kept in APScheduler: the memory job store is
enough, and a restart loses nothing. Job options, chosen deliberately:
- `coalesce=True`: runs missed while the process was suspended or busy collapse into one; a tick
  that reads what is due from the store does the work of every missed tick at once.
- `misfire_grace_time=None`: a late tick still runs, however late (APScheduler's default of 1 s
  would silently skip it after a pause; with coalescing, "late" means one run, not a burst).
- `max_instances=1`: a slow tick is never overlapped by the next one in this process.
A separate "leader-election" job tries to take the lock every `election_seconds` while this
process is a follower, and confirms it while it leads. Each job first checks, at the lock's
source, that this process still leads; a follower's jobs do nothing.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from infrastructure.leadership import Leadership

log = logging.getLogger(__name__)
# APScheduler logs every run at INFO (the election alone every few seconds); warnings and errors stay.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}
ELECTION_JOB = "leader-election"


@dataclass(frozen=True)
class ScheduledJob:
    """A job the leader runs every `seconds` seconds."""

    name: str
    seconds: float
    run: Callable[[], Any]


class LeaderScheduler:
    """A BackgroundScheduler whose jobs run only while `leadership` is held."""

    def __init__(self, jobs: list[ScheduledJob], leadership: Leadership, election_seconds: float = 5.0) -> None:
        if len({job.name for job in jobs} | {ELECTION_JOB}) != len(jobs) + 1:
            raise ValueError("job names must be unique (and not 'leader-election')")
        self.jobs = list(jobs)
        self.leadership = leadership
        self.election_seconds = election_seconds
        self._leading = threading.Event()
        # One thread per job plus the election's: a slow job never delays the lock's confirmation.
        self._scheduler = BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=len(self.jobs) + 1)},
            job_defaults=JOB_DEFAULTS,
        )

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    def start(self) -> None:
        now = datetime.now(UTC)
        self._scheduler.add_job(self._elect, IntervalTrigger(seconds=self.election_seconds), id=ELECTION_JOB,
                                name=ELECTION_JOB, next_run_time=now)
        for job in self.jobs:
            self._scheduler.add_job(self._guarded(job), IntervalTrigger(seconds=job.seconds), id=job.name,
                                    name=job.name)
        self._scheduler.start()
        log.info("scheduler started: %s", ", ".join(f"{j.name} every {j.seconds:g} s" for j in self.jobs) or "no job")

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)  # a running tick finishes while the lock is still held
        self.leadership.release()
        if self._leading.is_set():
            self._leading.clear()
            log.info("scheduler stopped: leadership released")

    def _elect(self) -> None:
        leading = self.leadership.try_acquire()
        if leading and not self._leading.is_set():
            self._leading.set()
            log.info("scheduler: this process leads (its jobs run here)")
        elif not leading and self._leading.is_set():
            self._leading.clear()
            log.warning("scheduler: leadership lost; jobs stop here until it is regained")

    def _guarded(self, job: ScheduledJob) -> Callable[[], None]:
        def run() -> None:
            if not self._leading.is_set():
                return
            if not self.leadership.holds():  # asked at the source: a lost connection is lost leadership
                self._leading.clear()
                log.warning("scheduler: leadership lost before %s; skipped", job.name)
                return
            try:
                job.run()
            except Exception:
                log.exception("scheduled job %s failed; it runs again at its next tick", job.name)

        run.__name__ = f"guarded_{job.name}"
        return run
