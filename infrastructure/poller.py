"""Keeps this process's read models current with events written by other processes."""
from __future__ import annotations

import logging
import threading

from application.projections.runner import ProjectionRunner

log = logging.getLogger(__name__)


class ProjectionPoller:
    """Polls the log every `interval` seconds; the runner's tracking makes it exactly-once."""

    def __init__(self, runner: ProjectionRunner, interval: float) -> None:
        self.runner = runner
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projection-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self.runner.catch_up()
                failures = 0
            except Exception:
                # A lost connection or a locked file must not kill the poller: back off, retry.
                failures += 1
                log.exception("projection catch-up failed (attempt %d)", failures)
            self._stop.wait(self.interval * min(2**failures, 60))
