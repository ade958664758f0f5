"""When SMS may be sent: by default Monday to Saturday, 08:00 to 20:00 Europe/Paris, never on a
French public holiday (the `holidays` package). A message due in quiet hours waits for `next_allowed`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

#: Days are ISO weekdays: 1 = Monday ... 7 = Sunday.
DEFAULT_DAYS = (1, 2, 3, 4, 5, 6)


@lru_cache(maxsize=32)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True)
class QuietHours:
    """Allowed sending hours; everything else is quiet. `until` is exclusive; time(0) as `until` means midnight."""

    days: tuple[int, ...] = DEFAULT_DAYS
    start: time = time(8, 0)
    until: time = time(20, 0)
    timezone: str = "Europe/Paris"
    holidays_country: str = "FR"  # "" : no public holidays
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.days or any(d not in range(1, 8) for d in self.days):
            raise ValueError("days are ISO weekdays 1..7")
        if self.until != time(0) and self.until <= self.start:
            raise ValueError("the allowed window must end after it starts")
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        if self.holidays_country:
            holidays.country_holidays(self.holidays_country)  # import the country's rules now, not in a tick

    def is_holiday(self, day: date) -> bool:
        return bool(self.holidays_country) and day in _public_holidays(self.holidays_country, day.year)

    def _day_allowed(self, day: date) -> bool:
        return day.isoweekday() in self.days and not self.is_holiday(day)

    def _in_window(self, clock: time) -> bool:
        return clock >= self.start and (self.until == time(0) or clock < self.until)

    def allows(self, at: datetime) -> bool:
        local = at.astimezone(self._zone)
        return self._day_allowed(local.date()) and self._in_window(local.time())

    def next_allowed(self, at: datetime) -> datetime:
        """`at` itself if sending is allowed then, else the first allowed instant after it (UTC)."""
        if self.allows(at):
            return at
        local = at.astimezone(self._zone)
        day = local.date()
        if not (self._day_allowed(day) and local.time() < self.start):
            day += timedelta(days=1)
        for _ in range(400):  # a year of holidays and closed days at most
            if self._day_allowed(day):
                opening = datetime.combine(day, self.start, tzinfo=self._zone)
                # A start inside a DST gap does not exist: fold it to the real instant.
                return opening.astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError("no allowed sending time within a year")
