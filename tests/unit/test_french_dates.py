"""Dates and times stored in UTC are shown as the calendars and clocks in France read them."""
from __future__ import annotations

from web.labels import french_date, french_datetime


def test_an_instant_late_in_the_utc_evening_is_already_the_next_day_in_paris() -> None:
    assert french_date("2026-11-30T23:30:00+00:00") == "01/12/2026"
    assert french_datetime("2026-11-30T23:30:00+00:00") == "01/12/2026 à 00:30"


def test_a_summer_instant_is_two_hours_ahead_and_plain_dates_are_kept() -> None:
    assert french_datetime("2026-07-01T09:00:00+00:00") == "01/07/2026 à 11:00"
    assert french_date("2026-12-01") == "01/12/2026"
    assert french_date("pas une date") == "pas une date"


def test_a_letter_dates_each_event_by_its_day_in_paris() -> None:
    from datetime import UTC, date, datetime

    from application.letter import day

    assert day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "01/12/2026"
    assert day(date(2026, 12, 1)) == "01/12/2026"


def test_a_letter_writes_numbers_with_a_decimal_comma_and_recorded_days_as_french_days() -> None:
    from application.letter import iso_day, number

    assert number(9.915, 3) == "9,915" and number("4.2") == "4,2" and number("0.0") == "0" and number(10) == "10"
    assert number(24_000) == "24\u202f000"  # a narrow no-break space between thousands
    assert number("K2204") == "K2204" and number("") == ""
    assert iso_day("2027-01-11") == "11/01/2027" and iso_day("pas une date") == "pas une date"


def test_a_list_formats_each_distinct_date_once() -> None:
    """The advisors' lists show the same few dates on every row of every view (benchmarks/pages.py): the
    formatting is remembered. A decorator moved to another function once cost 40 % more CPU per page."""
    french_date.cache_clear()
    for _ in range(50):
        french_date("2026-12-01")
    info = french_date.cache_info()
    assert (info.misses, info.hits) == (1, 49)
