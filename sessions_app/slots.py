"""Slot arithmetic for mentor–mentee sessions (pure: no Django, no database).

Weekly windows are declared in each person's own zone and expanded to UTC one
local date at a time, so a 09:00–17:00 window is 09:00–17:00 on the wall
clock on the day the clocks change too. A wall time maps to *the first instant
whose clock reads that time or later*:

- ambiguous (fall-back, the time happens twice): the first occurrence (fold=0);
- nonexistent (spring-forward gap): the first valid instant after the gap, the
  transition itself — a window from 02:30 on a night that skips 02:00–03:00
  starts at 03:00, and a window that lies wholly inside the gap is empty.

Windows never cross midnight (the models require start < end).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .weeks import iso_week_bounds

UTC = timezone.utc
ALLOWED_MINUTES = (15, 20, 25, 30)
LEAD_MINUTES = 60  # nobody wants a session booked for "in five minutes"
GRID = timedelta(minutes=5)  # sessions start on a multiple of 5 minutes (booking checks it too)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

WeeklyWindow = tuple[int, time, time]  # (weekday, 0 = Monday; local start; local end)
Interval = tuple[datetime, datetime]  # aware UTC, half-open


@dataclass(frozen=True)
class PersonAvailability:
    tz: str
    working: Sequence[WeeklyWindow]
    focus: Sequence[WeeklyWindow] = ()
    busy: Sequence[Interval] = ()  # external busy times and existing sessions
    # Sessions already held or booked, by ISO week: key = week start from iso_week_bounds(·, tz).
    week_counts: Mapping[datetime, int] = field(default_factory=dict)
    cap: int | None = None  # None: no weekly cap
    label: str = "the"  # possessive used in reasons: "your", "Otto's"

    def at_cap(self, instant: datetime) -> bool:
        if self.cap is None:
            return False
        return self.week_counts.get(iso_week_bounds(instant, self.tz)[0], 0) >= self.cap


def _at_cap_test(person: PersonAvailability):
    """``person.at_cap`` with the zone arithmetic only near a week already at the cap
    (a day's margin covers any offset): in most weeks nobody is, and the test runs per candidate."""
    if person.cap is None:
        return lambda instant: False
    near = [(lo - timedelta(days=1), hi + timedelta(days=1))
            for lo, hi in (iso_week_bounds(week, person.tz) for week, count in person.week_counts.items()
                           if count >= person.cap)]
    if not near:
        return lambda instant: False
    return lambda instant: any(lo <= instant < hi for lo, hi in near) and person.at_cap(instant)


@dataclass(frozen=True)
class Slot:
    start_utc: datetime
    end_utc: datetime
    score: int  # 0 = every free stretch stays whole; minus the minutes of free time it fragments
    reason: str


@dataclass(frozen=True)
class _Stretch:
    """A free stretch of one person and what bounds it on each side."""

    start: datetime
    end: datetime
    left: str  # "day" (working window edge), "focus" or "busy"
    right: str


def local_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant on ``day`` whose wall clock in ``tz`` reads ``wall`` or later."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0: first occurrence if ambiguous
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap, fold=0 lands after the transition and fold=1 before it: bisect
    # (whole seconds) for the transition, the first instant reading later than ``naive``.
    lo = int(naive.replace(tzinfo=tz, fold=1).timestamp())
    hi = int(first.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) > naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def expand(windows: Sequence[WeeklyWindow], tz_name: str, start: datetime, end: datetime) -> list[Interval]:
    """Weekly local windows -> sorted UTC intervals for every local date touching [start, end)."""
    tz = ZoneInfo(tz_name)
    first_day = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date() + timedelta(days=1)
    out = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        for weekday, wall_start, wall_end in windows:
            if weekday == day.weekday():
                lo, hi = local_to_utc(day, wall_start, tz), local_to_utc(day, wall_end, tz)
                if lo < hi and hi > start and lo < end:
                    out.append((lo, hi))
    return sorted(out)


def _merge(intervals: Sequence[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def free_stretches(person: PersonAvailability, start: datetime, end: datetime, buffer: timedelta) -> list[_Stretch]:
    """Working time minus focus blocks and busy times (each widened by the buffer)."""
    working = _merge(expand(person.working, person.tz, start, end))
    blocked = sorted(
        [(lo - buffer, hi + buffer, "focus") for lo, hi in expand(person.focus, person.tz, start, end)]
        + [(lo - buffer, hi + buffer, "busy") for lo, hi in person.busy if hi + buffer > start and lo - buffer < end]
    )
    stretches = []
    for day_start, day_end in working:
        cursor, left = day_start, "day"
        for lo, hi, kind in blocked:
            if lo >= day_end:
                break
            if hi <= cursor:
                continue
            if lo > cursor:
                stretches.append(_Stretch(cursor, lo, left, kind))
            cursor, left = hi, kind
        if cursor < day_end:
            stretches.append(_Stretch(cursor, day_end, left, "day"))
    return stretches


def _ceil(instant: datetime, step: timedelta) -> datetime:
    """Round up to a multiple of ``step`` since the epoch (UTC)."""
    return instant + (EPOCH - instant) % step


def _candidates(lo: datetime, hi: datetime, length: timedelta, step: timedelta) -> list[datetime]:
    """Starts within [lo, hi - length]: both edges (on the 5-minute grid) and the step grid between."""
    first, last = _ceil(lo, GRID), hi - length
    last -= (last - EPOCH) % GRID
    if first > last:
        return []
    starts = {first, last}
    grid = _ceil(first, step)
    while grid < last:
        starts.add(grid)
        grid += step
    return sorted(starts)


_PHRASES = {
    ("left", "focus"): "right after {who} focus block",
    ("right", "focus"): "right before {who} focus block",
    ("left", "busy"): "right after {who} other meeting",
    ("right", "busy"): "right before {who} other meeting",
    ("left", "day"): "at the start of {who} working day",
    ("right", "day"): "at the end of {who} working day",
}


def _fragmented(stretch: _Stretch, start: datetime, end: datetime, now: datetime) -> tuple[int, list]:
    """Minutes of the smaller leftover piece, and the edges the slot touches
    (a crumb shorter than the 5-minute grid counts as touching: nothing usable is lost)."""
    before = start - max(stretch.start, now)  # free time already past cannot be lost
    after = stretch.end - end
    edges = [(side, kind) for side, kind, piece in (("left", stretch.left, before), ("right", stretch.right, after))
             if piece < GRID and (side == "right" or stretch.start >= now)]
    smaller = min(before, after)
    return (0 if smaller < GRID else int(smaller.total_seconds() // 60)), edges


def _reason(touches: list[tuple[PersonAvailability, list]], fragmented: int) -> str:
    for kind in ("focus", "busy", "day"):  # the most telling edge first
        for person, edges in touches:
            for side, edge_kind in edges:
                if edge_kind == kind:
                    return _PHRASES[(side, kind)].format(who=person.label)
    return f"splits free time ({fragmented} min left in short pieces)"


def suggest(*, mentor: PersonAvailability, mentee: PersonAvailability, minutes: int, now: datetime,
            days: int = 14, buffer_minutes: int = 5, step_minutes: int = 15, limit: int | None = None,
            lead_minutes: int = LEAD_MINUTES) -> list[Slot]:
    """Session slots of ``minutes`` inside both people's working windows, clear
    of focus blocks and busy times by ``buffer_minutes``, starting at least
    ``lead_minutes`` after ``now`` and ending within ``days``, never in an ISO
    week where either person is at their cap.

    Ranked so deep work stays whole: a slot at the edge of a free stretch (next
    to a focus block, a meeting or the end of the day) beats one that splits
    it; the score is minus the minutes of the smaller leftover piece, summed
    over both people. Ties: the slot touching more edges (it splits fewer
    stretches), then earlier first.
    """
    if minutes not in ALLOWED_MINUTES:
        raise ValueError(f"A session lasts 15, 20, 25 or 30 minutes, not {minutes}.")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime.")
    if step_minutes <= 0 or step_minutes % 5 or buffer_minutes < 0:
        raise ValueError("step_minutes must be a positive multiple of 5; buffer_minutes not negative.")
    now = now.astimezone(UTC)
    length, step = timedelta(minutes=minutes), timedelta(minutes=step_minutes)
    buffer = timedelta(minutes=buffer_minutes)
    earliest = _ceil(now + timedelta(minutes=lead_minutes), step)
    horizon = now + timedelta(days=days)

    # From ``now``, not ``earliest``: a meeting that ends during the lead time still bounds a stretch.
    ours = free_stretches(mentor, now, horizon, buffer)
    theirs = free_stretches(mentee, now, horizon, buffer)
    mentor_at_cap, mentee_at_cap = _at_cap_test(mentor), _at_cap_test(mentee)
    ranked = []
    i = j = 0
    while i < len(ours) and j < len(theirs):  # two sorted, disjoint lists: walk the overlaps
        a, b = ours[i], theirs[j]
        lo, hi = max(a.start, b.start, earliest), min(a.end, b.end, horizon)
        for start in _candidates(lo, hi, length, step) if lo < hi else ():
            end = start + length
            if mentor_at_cap(start) or mentee_at_cap(start):
                continue
            touches, fragmented = [], 0
            for person, stretch in ((mentor, a), (mentee, b)):
                lost, edges = _fragmented(stretch, start, end, now)
                fragmented += lost
                touches.append((person, edges))
            edge_count = sum(len(edges) for _, edges in touches)
            ranked.append((fragmented, -edge_count, start, end, touches))
        if a.end <= b.end:
            i += 1
        else:
            j += 1
    ranked.sort(key=lambda row: row[:3])  # starts are unique: the order never reaches ``touches``
    # The reasons are worded for the slots returned only.
    return [Slot(start, end, -fragmented, _reason(touches, fragmented))
            for fragmented, _, start, end, touches in (ranked if limit is None else ranked[:limit])]
