"""The history index's instants: fixed-width UTC text, as strftime wrote them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from application.projections.event_index import utc_text


def test_an_instant_is_written_in_utc_with_microseconds() -> None:
    paris = timezone(timedelta(hours=1))
    assert utc_text(datetime(2026, 11, 30, 10, 5, 0, tzinfo=paris)) == "2026-11-30T09:05:00.000000Z"
    assert utc_text(datetime(2026, 11, 30, 9, 5, 7, 42, tzinfo=UTC)) == "2026-11-30T09:05:07.000042Z"


@given(st.datetimes(min_value=datetime(2, 1, 1), timezones=st.timezones()))
def test_any_instant_is_written_as_strftime_writes_it(moment: datetime) -> None:
    assert utc_text(moment) == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
