"""When SMS may be sent: by default Monday to Saturday, 08:00 to 20:00 Europe/Paris, never on a
French public holiday (the `holidays` package). A message due in quiet hours waits for `next_allowed`.

A person's phone may be elsewhere: a Martinique mobile is four or five hours behind Paris. A number of
an overseas department or collectivity is messaged only when the window is open both where the service
is and where the number is from (`allows_for`), with that region's public holidays (docs/adr/0023): the
phone does not say where its holder is, so neither guess may wake anyone. Other countries' numbers
follow the service's hours: most name every time zone of their country (+1: 42 of them), and their
holders live in France, where they registered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import phonenumbers
from phonenumbers import timezone as phone_timezones

#: Days are ISO weekdays: 1 = Monday ... 7 = Sunday.
DEFAULT_DAYS = (1, 2, 3, 4, 5, 6)


#: The overseas regions inside France's numbering plan (dialled 0… from all of France), as the `holidays`
#: package names their subdivisions of France (each adds its own days, such as the abolition of
#: slavery). Their windows and metropolitan France's overlap every day of the year; New Caledonia's,
#: French Polynesia's and Wallis-et-Futuna's (numbering plans and employment services of their own)
#: do not always (Tahiti's 08:00 is Paris's 20:00 in summer), so their numbers follow our hours.
FRENCH_OVERSEAS_HOLIDAYS = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976",
                            "BL": "BL", "MF": "MF", "PM": "PM"}


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int, subdivision: str = "") -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


@dataclass(frozen=True)
class RecipientPlace:
    """Where a number is from, as far as its numbering tells: its time zones and public holidays' region."""

    zones: tuple[str, ...]  # an overseas region's (+262: La Réunion's and Mayotte's); empty: ours alone apply
    region: str  # ISO 3166 code from the number ("MQ"), "" when unknown


@lru_cache(maxsize=65_536)
def place_of(phone: str) -> RecipientPlace:
    """The place of an E.164 number (as stored) that changes when it may be messaged; a number that does
    not parse, or that is not an overseas region's, tells nothing."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return RecipientPlace((), "")
    region = phonenumbers.region_code_for_number(number) or ""
    if region not in FRENCH_OVERSEAS_HOLIDAYS:
        return RecipientPlace((), region)
    return RecipientPlace(tuple(phone_timezones.time_zones_for_number(number)), region)


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

    def is_holiday(self, day: date, subdivision: str = "") -> bool:
        return bool(self.holidays_country) and day in _public_holidays(self.holidays_country, day.year, subdivision)

    def _day_allowed(self, day: date, subdivision: str = "") -> bool:
        return day.isoweekday() in self.days and not self.is_holiday(day, subdivision)

    def _in_window(self, clock: time) -> bool:
        return clock >= self.start and (self.until == time(0) or clock < self.until)

    def allows(self, at: datetime) -> bool:
        local = at.astimezone(self._zone)
        return self._day_allowed(local.date()) and self._in_window(local.time())

    def allows_for(self, at: datetime, phone: str) -> bool:
        """Sending to `phone` at `at`: allowed here, and for an overseas region's number in each of its time
        zones too, on a day that is not one of its region's public holidays."""
        if not self.allows(at):
            return False
        place = place_of(phone)
        subdivision = FRENCH_OVERSEAS_HOLIDAYS.get(place.region, "") if self.holidays_country == "FR" else ""
        for zone in place.zones:
            local = at.astimezone(ZoneInfo(zone))
            if not (self._day_allowed(local.date(), subdivision) and self._in_window(local.time())):
                return False
        return True

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
