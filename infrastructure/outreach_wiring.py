"""How bootstrap wires SMS outreach: the gateway, the reply readers, quiet hours and follow-ups."""
from __future__ import annotations

from datetime import time
from typing import Any

from application.queries.outreach import ReadModelOutreachDirectory, ReadModelOutreachSchedule
from application.quiet_hours import QuietHours
from domain.conversation import FollowUpPolicy
from infrastructure.offline_reply_reader import OfflineReplyReader
from infrastructure.settings import OutreachSettings
from infrastructure.sms_simulator import SimulatorSmsGateway


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
