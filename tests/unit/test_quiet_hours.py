"""Quiet hours: Monday to Saturday 08:00-20:00 Europe/Paris, never on French public holidays."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from application.quiet_hours import QuietHours

PARIS = ZoneInfo("Europe/Paris")
QUIET = QuietHours()
FRENCH_HOLIDAYS = holidays.country_holidays("FR", years=range(2024, 2031))
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_a_weekday_morning_is_allowed_and_the_evening_is_quiet():
    assert QUIET.allows(paris(2026, 12, 1, 8, 0))
    assert QUIET.allows(paris(2026, 12, 1, 19, 59))
    assert not QUIET.allows(paris(2026, 12, 1, 20, 0))
    assert not QUIET.allows(paris(2026, 12, 1, 7, 59))


def test_sunday_and_public_holidays_are_quiet_all_day():
    assert not QUIET.allows(paris(2026, 12, 6, 12, 0))  # Sunday
    assert not QUIET.allows(paris(2026, 12, 25, 12, 0))  # Christmas, a Friday
    assert not QUIET.allows(paris(2026, 7, 14, 12, 0))  # Bastille Day, a Tuesday
    assert QUIET.allows(paris(2026, 12, 5, 12, 0))  # Saturday


def test_a_message_due_on_saturday_evening_before_a_holiday_monday_waits_for_tuesday_8h():
    # Easter Monday 2026 is 6 April: Saturday 4 April 21:00 -> Tuesday 7 April 08:00.
    assert QUIET.next_allowed(paris(2026, 4, 4, 21, 0)) == paris(2026, 4, 7, 8, 0)


def test_next_allowed_across_the_dst_changes_is_8h_local_time():
    # Clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October 2026.
    assert QUIET.next_allowed(paris(2026, 3, 28, 20, 30)) == paris(2026, 3, 30, 8, 0)
    assert QUIET.next_allowed(paris(2026, 3, 28, 20, 30)).astimezone(UTC).hour == 6  # UTC+2
    assert QUIET.next_allowed(paris(2026, 10, 24, 20, 30)).astimezone(UTC).hour == 7  # UTC+1


@settings(max_examples=400, deadline=None)
@given(instants)
def test_next_allowed_is_allowed_never_earlier_and_nothing_allowed_is_skipped(at):
    allowed = QUIET.next_allowed(at)
    assert allowed >= at and QUIET.allows(allowed)
    if QUIET.allows(at):
        assert allowed == at
    else:
        # No allowed instant in between: check every half hour in the gap.
        probe = at
        while probe + timedelta(minutes=30) < allowed:
            probe += timedelta(minutes=30)
            assert not QUIET.allows(probe)


@settings(max_examples=400, deadline=None)
@given(instants)
def test_allowed_means_monday_to_saturday_8_to_20_in_paris_and_not_a_holiday(at):
    local = at.astimezone(PARIS)
    expected = (local.isoweekday() <= 6 and time(8) <= local.time() < time(20)
                and local.date() not in FRENCH_HOLIDAYS)
    assert QUIET.allows(at) == expected


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
def test_no_french_public_holiday_is_ever_allowed(day):
    if day in FRENCH_HOLIDAYS:
        assert not QUIET.allows(datetime.combine(day, time(12), tzinfo=PARIS))


def test_the_window_is_configurable():
    always = QuietHours(days=(1, 2, 3, 4, 5, 6, 7), start=time(0), until=time(0), holidays_country="")
    assert always.allows(paris(2026, 12, 25, 3, 0))
