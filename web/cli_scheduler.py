"""`relais scheduler`: the scheduler as its own process; and the one `relais serve` starts in-process.

Any number of them may run against one database: only the one holding the lock runs the jobs
(infrastructure/leadership.py), the others wait to take over. RELAIS_SCHEDULER=off keeps
`relais serve` from starting one (then run `relais scheduler` beside the web workers).
"""
from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING, Any

from infrastructure.settings import Settings

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services
    from infrastructure.scheduler import LeaderScheduler


def add_scheduler_command(commands: Any) -> None:
    command = commands.add_parser("scheduler", help="run the scheduler (follow-ups) as its own process")
    command.set_defaults(func=cmd_scheduler)


def start_scheduler(services: Services) -> LeaderScheduler:
    from infrastructure.outreach_wiring import build_scheduler, scheduled_jobs

    scheduler = build_scheduler(services.settings, scheduled_jobs(services))
    scheduler.start()
    return scheduler


def start_in_process_scheduler(services: Services) -> LeaderScheduler | None:
    """For `relais serve`: the scheduler, unless RELAIS_SCHEDULER=off."""
    return start_scheduler(services) if services.settings.scheduler_enabled else None


def cmd_scheduler(args: argparse.Namespace) -> int:
    from infrastructure.bootstrap import bootstrap
    from infrastructure.poller import ProjectionPoller

    services = bootstrap(Settings.from_env())
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # Jobs read what is due from read models that other processes' events feed.
    poller = ProjectionPoller(services.projections, services.settings.projection_poll_seconds)
    poller.start()
    scheduler = start_scheduler(services)
    print(f"relais scheduler running ({services.settings.database.describe()}); only the lock holder runs jobs",
          flush=True)
    try:
        stop.wait()
    finally:
        scheduler.stop()
        poller.stop()
        services.close()
    print("relais scheduler stopped", flush=True)
    return 0
