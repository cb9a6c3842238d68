"""ISO weeks in a person's own time zone (pure)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta, timezone


def iso_week_bounds(instant: datetime, tz_name: str) -> tuple[datetime, datetime]:
    """The ISO week (Monday 00:00 to next Monday 00:00, local) containing
    ``instant`` in zone ``tz_name``, as aware UTC datetimes. Local midnight
    always exists in the zones we support except a few that shift at 00:00;
    ``fold=0`` and zoneinfo's gap handling give the earliest valid instant."""
    tz = zoneinfo.ZoneInfo(tz_name)
    local_day = instant.astimezone(tz).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return _local_midnight(monday, tz), _local_midnight(monday + timedelta(days=7), tz)


def _local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(timezone.utc)


def week_label(instant: datetime, tz_name: str) -> str:
    """“7 Dec” — the Monday of the ISO week, as people say it."""
    start, _ = iso_week_bounds(instant, tz_name)
    monday = start.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
    return f"{monday.day} {monday:%b}"
