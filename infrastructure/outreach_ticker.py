"""A plain loop that ticks the outreach every few seconds, until the APScheduler leader replaces it.

Each tick is safe to run in several processes at once (the aggregate refuses a second attempt),
so this loop needs no lock; it only has to keep ticking after an error.
"""
from __future__ import annotations

import logging
import threading

from application.app import Relais

log = logging.getLogger(__name__)


class OutreachTicker:
    def __init__(self, app: Relais, interval: float) -> None:
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outreach-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                report = self.app.run_outreach_tick()
                if report.sent or report.reconciled or report.failed or report.gave_up:
                    log.info("outreach tick: %s", report)
            except Exception:
                log.exception("outreach tick failed; next tick in %.0f s", self.interval)
