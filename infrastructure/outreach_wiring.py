"""Outreach adapters chosen from the settings, for the composition root (one line each at the merge).

`build_sms_gateway`: the Twilio gateway when RELAIS_SMS_PROVIDER=twilio, else None (the caller
keeps the simulator). `build_reply_reader`: the Mistral reader when MISTRAL_API_KEY is set, else
None (the offline reader). `build_scheduler`: the leader-only scheduler of this process's jobs.
"""
from __future__ import annotations

from typing import Any

from infrastructure.leadership import leadership_for
from infrastructure.mistral_reply_reader import MistralReplyReader
from infrastructure.scheduler import LeaderScheduler, ScheduledJob
from infrastructure.settings import Settings
from infrastructure.twilio_sms_gateway import TwilioSmsGateway


def build_sms_gateway(settings: Settings) -> TwilioSmsGateway | None:
    """Close it with the process (`Services.closing`)."""
    return TwilioSmsGateway(settings.twilio) if settings.twilio is not None else None


def build_reply_reader(settings: Settings) -> MistralReplyReader | None:
    """Close it with the process (`Services.closing`)."""
    return MistralReplyReader.from_settings(settings.mistral) if settings.mistral is not None else None


def scheduled_jobs(app: Any, settings: Settings) -> list[ScheduledJob]:
    """The leader's jobs. `run_outreach_tick` (brief A) sends what is due; absent, there is none yet."""
    tick = getattr(app, "run_outreach_tick", None)
    return [ScheduledJob("outreach-tick", settings.scheduler_tick_seconds, tick)] if tick is not None else []


def build_scheduler(settings: Settings, jobs: list[ScheduledJob]) -> LeaderScheduler:
    election = float(settings.scheduler_election_seconds)
    return LeaderScheduler(jobs, leadership_for(settings.database, election), election)
