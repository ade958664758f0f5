"""Quiet hours: Monday to Saturday 08:00-20:00 Europe/Paris, never on French public holidays; and for a
number from elsewhere (an overseas mobile), the same where it is from, with its region's holidays."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonenumbers import timezone as phone_timezones

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


MARTINIQUE_MOBILE, REUNION_MOBILE, PARIS_MOBILE = "+596696182317", "+262692123456", "+33612345678"


def test_an_overseas_mobile_is_reached_only_when_the_day_is_open_there_and_here():
    # Winter: Martinique is 5 hours behind Paris, La Réunion 3 hours ahead.
    assert not QUIET.allows_for(paris(2026, 12, 1, 9, 0), MARTINIQUE_MOBILE)  # 04:00 there
    assert QUIET.allows_for(paris(2026, 12, 1, 13, 0), MARTINIQUE_MOBILE)  # 08:00 there
    assert QUIET.allows_for(paris(2026, 12, 1, 16, 59), REUNION_MOBILE)  # 19:59 there
    assert not QUIET.allows_for(paris(2026, 12, 1, 17, 0), REUNION_MOBILE)  # 20:00 there
    assert not QUIET.allows_for(paris(2026, 12, 1, 20, 30), MARTINIQUE_MOBILE)  # 15:30 there, quiet here


def test_an_overseas_regions_own_public_holiday_is_quiet_for_its_numbers_only():
    # 22 May 2026, a Friday: the abolition of slavery is a public holiday in Martinique.
    assert not QUIET.allows_for(paris(2026, 5, 22, 15, 0), MARTINIQUE_MOBILE)
    assert QUIET.allows_for(paris(2026, 5, 22, 15, 0), PARIS_MOBILE)
    # Monday 20 December 2027: La Réunion's abolition day.
    assert not QUIET.allows_for(paris(2027, 12, 20, 10, 0), REUNION_MOBILE)
    assert QUIET.allows_for(paris(2027, 12, 20, 10, 0), PARIS_MOBILE)


def test_another_countrys_number_follows_the_services_hours():
    assert QUIET.allows_for(paris(2026, 12, 1, 9, 0), "+14155552671")  # 00:00 in San Francisco
    assert QUIET.allows_for(paris(2026, 12, 1, 9, 0), "+68987123456")  # French Polynesia: its own numbering plan
    assert QUIET.allows_for(paris(2026, 12, 1, 9, 0), "+15551234567")
    assert not QUIET.allows_for(paris(2026, 12, 1, 7, 0), "+15551234567")
    assert QUIET.allows_for(paris(2026, 12, 1, 9, 0), "pas un numéro") == QUIET.allows(paris(2026, 12, 1, 9, 0))


@settings(max_examples=300, deadline=None)
@given(instants)
def test_a_metropolitan_number_is_reached_exactly_when_sending_is_allowed(at):
    assert QUIET.allows_for(at, PARIS_MOBILE) == QUIET.allows(at)


OVERSEAS_MOBILES = {"MQ": MARTINIQUE_MOBILE, "RE": REUNION_MOBILE, "GP": "+590690123456", "GF": "+594694123456",
                    "YT": "+262639012345", "PM": "+508551234"}
SUBDIVISIONS = {"MQ": "972", "RE": "974", "GP": "971", "GF": "973", "YT": "976", "PM": "PM"}


@settings(max_examples=300, deadline=None)
@given(instants, st.sampled_from(sorted(OVERSEAS_MOBILES)))
def test_an_overseas_number_is_reached_exactly_when_the_day_is_open_here_and_in_each_of_its_time_zones(at, region):
    number = OVERSEAS_MOBILES[region]
    region_holidays = holidays.country_holidays("FR", subdiv=SUBDIVISIONS[region], years=range(2024, 2031))
    expected = QUIET.allows(at)
    for zone in phone_timezones.time_zones_for_number(phonenumbers.parse(number)):
        local = at.astimezone(ZoneInfo(zone))
        expected = expected and (local.isoweekday() <= 6 and time(8) <= local.time() < time(20)
                                 and local.date() not in region_holidays)
    assert QUIET.allows_for(at, number) == expected


@pytest.mark.parametrize("day", [date(2027, 1, 12), date(2027, 7, 13)], ids=["winter", "summer"])
def test_every_countrys_mobile_is_reached_at_some_hour_of_an_ordinary_tuesday(day):
    """No number is held for ever: a number naming every zone of its country (+1) or one far from ours
    (Tahiti) follows our hours."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    never = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            continue
        number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        if not any(QUIET.allows_for(start + timedelta(minutes=15 * n), number) for n in range(96)):
            never.append(region)
    assert never == []
