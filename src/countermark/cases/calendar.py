"""Working-day arithmetic per jurisdiction: weekends, public holidays, local dates, UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

# The zone of a country's customs administration when the office does not say; the US default is
# Washington's, and an office elsewhere should pass its own zone.
DEFAULT_ZONES = {
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "IE": "Europe/Dublin",
    "PL": "Europe/Warsaw",
    "US": "America/New_York",
    "CN": "Asia/Shanghai",
    "GB": "Europe/London",
}


@dataclass(frozen=True)
class CalendarContext:
    """Where deadlines are counted: the country (and subdivision) of the office and its time zone."""

    country: str
    subdivision: str | None = None
    timezone: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The time zone deadlines are counted in."""
        return ZoneInfo(self.timezone or DEFAULT_ZONES.get(self.country, "UTC"))


@cache
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


def is_working_day(day: date, ctx: CalendarContext) -> bool:
    """Whether a local date is a working day: not a weekend (unless declared worked) nor a public holiday."""
    return bool(_holidays(ctx.country, ctx.subdivision).is_working_day(day))


def add_days(start: date, count: int, unit: str, ctx: CalendarContext) -> date:
    """The last day of a period of `count` days that starts the day after `start`."""
    if count < 0:
        raise ValueError("a period cannot be negative")
    if unit == "calendar_days":
        return start + timedelta(days=count)
    if unit not in ("working_days", "business_days"):
        raise ValueError(f"unknown unit {unit!r}")
    day, counted = start, 0
    while counted < count:
        day += timedelta(days=1)
        if is_working_day(day, ctx):
            counted += 1
    return day


def local_date(instant: datetime, ctx: CalendarContext) -> date:
    """The date of an instant in the jurisdiction's zone."""
    if instant.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous: give a timezone")
    return instant.astimezone(ctx.zone).date()


def end_of_day_utc(day: date, ctx: CalendarContext) -> datetime:
    """The instant the local day ends (midnight that follows it), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ctx.zone).astimezone(UTC)


def deadline_after(event_at: datetime, count: int, unit: str, ctx: CalendarContext) -> datetime:
    """When a period of `count` days running from an event lapses, as a UTC instant."""
    return end_of_day_utc(add_days(local_date(event_at, ctx), count, unit, ctx), ctx)
