"""How bootstrap wires SMS outreach and the scheduler: gateways, reply readers, quiet hours, jobs.

Defaults are the embedded ones: the SMS simulator and the offline reply reader. The Twilio
gateway comes with RELAIS_SMS_PROVIDER=twilio, the Mistral reader with MISTRAL_API_KEY (the
offline reader then reads when it fails). The scheduler runs its jobs only while it leads.
"""
from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any

from application.queries.outreach import ReadModelOutreachDirectory, ReadModelOutreachSchedule
from application.quiet_hours import QuietHours
from domain.conversation import FollowUpPolicy
from infrastructure.leadership import leadership_for
from infrastructure.mistral_reply_reader import MistralReplyReader
from infrastructure.offline_reply_reader import OfflineReplyReader
from infrastructure.retention import retention_job
from infrastructure.scheduler import LeaderScheduler, ScheduledJob
from infrastructure.settings import OutreachSettings, Settings
from infrastructure.sms_simulator import SimulatorSmsGateway
from infrastructure.twilio_sms_gateway import TwilioSmsGateway

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services

#: How often the leader asks whether the daily retention run is due (it runs at most once a day).
RETENTION_CHECK_SECONDS = 3600


def build_sms_gateway(settings: Settings) -> TwilioSmsGateway | None:
    """The Twilio gateway when configured, else None (the simulator). Close it with the process."""
    return TwilioSmsGateway(settings.twilio) if settings.twilio is not None else None


def build_reply_reader(settings: Settings) -> MistralReplyReader | None:
    """The Mistral reader when MISTRAL_API_KEY is set, else None (offline). Close it with the process."""
    return MistralReplyReader.from_settings(settings.mistral) if settings.mistral is not None else None


def quiet_hours(settings: OutreachSettings) -> QuietHours:
    def clock(text: str) -> time:
        hours, minutes = (int(p) for p in text.split(":"))
        return time(0) if hours == 24 else time(hours, minutes)

    return QuietHours(settings.allowed_days, clock(settings.allowed_from), clock(settings.allowed_until),
                      settings.timezone, settings.holidays_country)


def outreach_adapters(settings: OutreachSettings, database: Any, clock: Any, sms_gateway: Any = None,
                      reply_reader: Any = None) -> dict[str, Any]:
    """Keyword arguments of the Relais constructor. Defaults: the simulator and the offline reader;
    another reader falls back on the offline one."""
    offline = OfflineReplyReader()
    return {
        "sms_gateway": sms_gateway or SimulatorSmsGateway(database, clock),
        "reply_reader": reply_reader or offline,
        "fallback_reply_reader": offline if reply_reader is not None else None,
        "quiet_hours": quiet_hours(settings),
        "follow_up_policy": FollowUpPolicy(float(settings.followup_delay_hours), settings.followup_max_reminders),
        "outreach_schedule": ReadModelOutreachSchedule(database),
        "outreach_directory": ReadModelOutreachDirectory(database),
    }


def scheduled_jobs(services: Services) -> list[ScheduledJob]:
    """The leader's jobs: SMS due now (outreach tick), the daily retention run, sealing the log."""
    jobs = [
        ScheduledJob("outreach-tick", services.settings.outreach.tick_seconds, services.app.run_outreach_tick),
        ScheduledJob("retention", RETENTION_CHECK_SECONDS, retention_job(services).run_daily),
    ]
    if services.audit is not None:
        # Seals everything new (RELAIS_LOG_SEAL_SECONDS) and drops day-old export archives.
        jobs.append(ScheduledJob("log-seal", services.settings.log_seal_seconds, services.audit.scheduled_jobs))
    return jobs


def build_scheduler(settings: Settings, jobs: list[ScheduledJob]) -> LeaderScheduler:
    election = float(settings.scheduler_election_seconds)
    return LeaderScheduler(jobs, leadership_for(settings.database, election), election)
