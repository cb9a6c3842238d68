"""Turn an iCalendar file into busy intervals (pure: no database, no network).

Only *when* someone is busy survives: no titles, descriptions or attendees.
Recurring events are expanded with ``recurring_ical_events`` over a window
(by default from a day ago to 60 days ahead), which also applies
X-WR-TIMEZONE, RECURRENCE-ID overrides (moved/edited occurrences), EXDATE,
RDATE and DURATION. What we keep is exactly that expansion, in UTC, except:

- ``STATUS:CANCELLED`` and ``TRANSP:TRANSPARENT`` occurrences are free time;
- all-day occurrences (DTSTART is a date) are free unless they say
  ``TRANSP:OPAQUE`` explicitly: holidays, birthdays and "working from home"
  markers are all-day and rarely mean "do not book me";
- zero-length occurrences take no time (RFC 5545: a DTSTART date-time without
  DTEND or DURATION ends when it starts) and are dropped, not refused;
- identical intervals (copies of one event) are kept once. Several VEVENTs
  with one UID and no RECURRENCE-ID are versions of one event: the library
  keeps the one with the highest SEQUENCE, and so do we.

Floating times and dates are read in the member's time zone (the window is
passed to recurring_ical_events in that zone, which is how it resolves them);
a TZID we do not know is also read as floating. Intervals are not clipped:
an occurrence overlapping the window is kept whole, as the library returns it.
A file with no events (only to-dos, or nothing) imports as no busy time: an
empty subscribed calendar is legitimate and may fill later.

Refused, with a message for the ``file`` field: anything that is not an
iCalendar file or cannot be parsed, an event whose start/end/recurrence cannot
be read, a rule that repeats more often than hourly (it would expand to
millions of instants), a rule recurring_ical_events cannot expand, and more
than ``MAX_EVENTS`` occurrences in the window.
"""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone

import icalendar
import recurring_ical_events

from mentoring.errors import DomainError

WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=60)
MAX_EVENTS = 5000
# Properties that decide when an event happens: if one is unreadable, the
# busy times would be silently wrong, so the whole file is refused.
TIMING_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
SINGLE_VALUED = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")
TOO_FREQUENT = ("SECONDLY", "MINUTELY")
# Parsing and expansion errors of icalendar / recurring_ical_events are
# ValueError subclasses (InvalidCalendar, BadRuleStringFormat, ...); a missing
# DTSTART or an unknown X-WR-TIMEZONE surfaces as KeyError; mixing dates and
# date-times in odd ways as TypeError; a repeated property (a list where one
# value is expected, e.g. two TZIDs in a VTIMEZONE) as AttributeError; a TZID
# too long to be a file name makes the zoneinfo lookup raise OSError.
EXPANSION_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError, OSError)

Interval = tuple[datetime, datetime]


def refuse(message: str) -> DomainError:
    return DomainError(message, field="file")


def default_window(now: datetime) -> tuple[datetime, datetime]:
    return now - WINDOW_BEFORE, now + WINDOW_AFTER


def busy_intervals(content: bytes, *, time_zone: str, window_start: datetime,
                   window_end: datetime) -> list[Interval]:
    """Busy (start, end) pairs in UTC, sorted, for occurrences in the window."""
    tz = zoneinfo.ZoneInfo(time_zone)
    calendar = parse_calendar(content)
    # In the member's zone, so recurring_ical_events reads floating times there.
    start, end = window_start.astimezone(tz), window_end.astimezone(tz)
    busy = set()
    for occurrence in expand(calendar, start, end):
        interval = busy_interval(occurrence, tz)
        if interval is not None:
            busy.add(interval)
    return sorted(busy)


def parse_calendar(content: bytes) -> icalendar.Calendar:
    text = _decode(content)
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise refuse("This is not an iCalendar (.ics) file: it should start with BEGIN:VCALENDAR.")
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except EXPANSION_ERRORS:
        raise refuse("This iCalendar file could not be read: it is incomplete or malformed.") from None
    for event in calendar.walk("VEVENT"):
        _check_event(event)
    return calendar


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Outlook exports are Windows-1252; only times matter to us, and
        # latin-1 decodes any byte, so the parser decides what is valid.
        return content.decode("latin-1")


def _check_event(event) -> None:
    when = _describe(event)
    broken = [name for name, _ in getattr(event, "errors", ()) if name in TIMING_PROPERTIES]
    if broken:
        raise refuse(f"An event{when} has an unreadable {broken[0]} value.")
    if "DTSTART" not in event:
        raise refuse("An event has no start time (DTSTART).")
    repeated = [name for name in SINGLE_VALUED if isinstance(event.get(name), list)]
    if repeated:
        raise refuse(f"An event{when} has more than one {repeated[0]}.")
    rules = event.get("RRULE", [])
    for rule in rules if isinstance(rules, list) else [rules]:
        frequency = str((rule.get("FREQ") or [""])[0]).upper()
        if frequency in TOO_FREQUENT:
            raise refuse(f"An event{when} repeats every {frequency.lower()[:-2]}; "
                         "repeating more often than hourly is not supported.")


def _describe(event) -> str:
    """' starting 2025-03-04 08:30' — never the title (privacy)."""
    try:
        value = event["DTSTART"].dt
        return f" starting {value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else f" on {value:%Y-%m-%d}"
    except (KeyError, AttributeError, ValueError, TypeError):
        return ""


def expand(calendar, start: datetime, end: datetime) -> list:
    """``recurring_ical_events.of(calendar).between(start, end)``, refusing
    what cannot be expanded and windows with more than MAX_EVENTS events."""
    try:
        query = recurring_ical_events.of(calendar)
        # Count lazily first: a dense rule must be refused before all its
        # occurrences are built as components in memory.
        lazy = itertools.chain.from_iterable(series.between(start, end) for series in query.series)
        if sum(1 for _ in itertools.islice(lazy, MAX_EVENTS + 1)) > MAX_EVENTS:
            raise refuse(f"This calendar expands to more than {MAX_EVENTS:,} events "
                         f"in the next {WINDOW_AFTER.days} days.")
        return query.between(start, end)
    except recurring_ical_events.BadRuleStringFormat as exc:
        raise refuse(f"A repeat rule could not be understood: {exc.rule}.") from None
    except zoneinfo.ZoneInfoNotFoundError as exc:
        raise refuse(f"This calendar names an unknown time zone: {exc.args[0] if exc.args else ''}.") from None
    except EXPANSION_ERRORS:
        raise refuse("The repeating events of this calendar could not be expanded.") from None


def busy_interval(occurrence, tz) -> Interval | None:
    """The occurrence's (start, end) in UTC, or None if it is free time."""
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    transparency = str(occurrence.get("TRANSP", "")).upper()
    start, end = occurrence["DTSTART"].dt, occurrence["DTEND"].dt
    all_day = not isinstance(start, datetime)
    if transparency == "TRANSPARENT" or (all_day and transparency != "OPAQUE"):
        return None
    start, end = to_utc(start, tz), to_utc(end, tz)
    return (start, end) if start < end else None


def to_utc(value: date | datetime, tz) -> datetime:
    """Dates are local midnight, floating date-times are local time, in ``tz``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc)
