"""Outreach settings: allowed hours, holidays and follow-ups read from RELAIS_QUIET_* / RELAIS_FOLLOWUP_*."""
from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from infrastructure.outreach_wiring import quiet_hours
from infrastructure.settings import Settings, SettingsError


def settings(**env: str) -> Settings:
    return Settings.from_env({"RELAIS_DATA_DIR": "/tmp/relais-settings-test", "RELAIS_SECRET_KEY": "x" * 40, **env})


def test_defaults_are_monday_to_saturday_8_to_20_in_paris_with_french_holidays_and_one_reminder_after_24h():
    outreach = settings().outreach
    assert (outreach.allowed_days, outreach.allowed_from, outreach.allowed_until) == ((1, 2, 3, 4, 5, 6), "08:00", "20:00")
    assert (outreach.timezone, outreach.holidays_country) == ("Europe/Paris", "FR")
    assert (outreach.followup_delay_hours, outreach.followup_max_reminders) == (24, 1)


def test_a_whole_week_around_the_clock_without_holidays():
    hours = quiet_hours(settings(RELAIS_QUIET_ALLOWED_DAYS="1-7", RELAIS_QUIET_ALLOWED_FROM="00:00",
                                 RELAIS_QUIET_ALLOWED_UNTIL="24:00", RELAIS_QUIET_HOLIDAYS="none").outreach)
    assert hours.until == time(0) and hours.holidays_country == ""
    assert hours.allows(datetime(2026, 12, 25, 2, 0, tzinfo=UTC))  # Christmas night


@pytest.mark.parametrize("env", [
    {"RELAIS_QUIET_ALLOWED_DAYS": "0-8"},
    {"RELAIS_QUIET_ALLOWED_DAYS": "lundi"},
    {"RELAIS_QUIET_ALLOWED_FROM": "8h"},
    {"RELAIS_QUIET_ALLOWED_FROM": "20:00", "RELAIS_QUIET_ALLOWED_UNTIL": "08:00"},
    {"RELAIS_QUIET_TIMEZONE": "Europe/Nowhere"},
    {"RELAIS_QUIET_HOLIDAYS": "France"},
    {"RELAIS_FOLLOWUP_DELAY_HOURS": "0"},
    {"RELAIS_FOLLOWUP_MAX_REMINDERS": "9"},
])
def test_bad_values_are_refused_with_the_variable_named(env):
    with pytest.raises(SettingsError) as error:
        settings(**env)
    assert next(iter(env)) in str(error.value) or "RELAIS_QUIET_ALLOWED_UNTIL" in str(error.value)
