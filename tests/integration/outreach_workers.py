"""Child processes of the outreach integration tests (spawned: free of pytest and fixtures)."""
from __future__ import annotations

import os
import signal
from datetime import datetime

from application.sms import OutgoingSms, SmsReceipt
from infrastructure.bootstrap import bootstrap
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from infrastructure.sms_simulator import SimulatorSmsGateway


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class DyingGateway(SimulatorSmsGateway):
    """The process is killed (SIGKILL) during the provider call: before or after the provider got the message."""

    def __init__(self, database, clock, provider_gets_it: bool) -> None:  # noqa: ANN001
        super().__init__(database, clock)
        self.provider_gets_it = provider_gets_it

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        return self.send_many([sms])[0]

    def send_many(self, messages: list[OutgoingSms]) -> list[SmsReceipt]:
        if self.provider_gets_it:
            super().send_many(messages)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


def tick_and_die(env: dict[str, str], at_iso: str, provider_gets_it: bool) -> None:
    """A scheduler process that records its attempts, calls the provider and is killed before the answer."""
    clock = FixedClock(datetime.fromisoformat(at_iso))
    settings = Settings.from_env(env)
    services = bootstrap(settings, clock=clock, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64),
                         synchronous_projections=False)
    services.app.sms_gateway = DyingGateway(services.database, clock, provider_gets_it)
    services.app.run_outreach_tick()
