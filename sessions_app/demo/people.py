"""People and availability: who is seeded, their declared working weeks and
focus blocks, and local wall-clock times as UTC."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock, timezone as dt_timezone
from zoneinfo import ZoneInfo

from mentoring.models import Membership

from ..models import FocusBlock, WorkingWindow
from .writing import WINDOW_COLUMNS, _uuid, _write

UTC = dt_timezone.utc

# Shares of people (by design, see the package docstring).
WITH_WINDOWS = 0.3       # declared their working week (else: Mon–Fri within profile hours)
WITH_FOCUS = 0.4         # protect 2–3 mornings a week
NEW_HIRE_DAYS = 90


@dataclass(slots=True, eq=False)  # identity, not field equality: pools hold the same objects
class Person:
    id: uuid.UUID
    email: str
    team: str
    tz: ZoneInfo
    start: clock
    end: clock
    hired: date
    is_mentor: bool
    is_mentee: bool
    is_external: bool
    manager_id: uuid.UUID | None
    windows: dict = field(default_factory=dict)   # weekday -> [(start, end)] local
    focus: dict = field(default_factory=dict)     # weekday -> [(start, end)] local


def _load_people(org) -> dict:
    rows = (Membership.objects.for_org(org).filter(is_active=True).order_by("email")
            .values_list("id", "email", "team", "time_zone", "working_hours_start", "working_hours_end",
                         "hire_date", "created_at", "is_mentor", "is_mentee", "is_external", "manager_id"))
    zones: dict[str, ZoneInfo] = {}
    people = {}
    for pid, email, team, zone, start, end, hired, created, mentor, mentee, external, manager in rows:
        tz = zones.setdefault(zone, ZoneInfo(zone))
        people[pid] = Person(pid, email, team, tz, start, end, hired or created.astimezone(tz).date(), mentor, mentee,
                             external, manager)
    return people


def _minutes(t: clock) -> int:
    return t.hour * 60 + t.minute


def _clock(minutes: int) -> clock:
    return clock(minutes // 60, minutes % 60)


def _seed_availability(org, rng, people: dict) -> None:
    """Declared working weeks and focus blocks for some people who have none
    yet; then every person's windows (declared or default) into memory."""
    has_windows = set(WorkingWindow.objects.for_org(org).values_list("membership_id", flat=True).distinct())
    has_focus = set(FocusBlock.objects.for_org(org).values_list("membership_id", flat=True).distinct())
    windows, blocks = [], []
    for person in people.values():
        start, end = _minutes(person.start), _minutes(person.end)
        if person.id not in has_windows and rng.random() < WITH_WINDOWS:
            days = list(range(5))
            variant = rng.random()
            if variant < 0.2:
                days.remove(rng.choice([2, 4]))  # a four-day week
            for day in days:
                # Some finish early on Fridays.
                day_end = min(end, start + 300) if day == 4 and variant > 0.6 else end
                windows.append((_uuid(rng), org.pk, person.id, day, _clock(start), _clock(day_end)))
        if person.id not in has_focus and rng.random() < WITH_FOCUS:
            first = start + rng.choice([0, 0, 30, 60])
            length = rng.choice([120, 150, 180])
            for day in sorted(rng.sample(range(5), rng.choice([2, 3]))):
                blocks.append((_uuid(rng), org.pk, person.id, day, _clock(first),
                               _clock(min(first + length, end - 30)), "Deep work"))
    _write(org, WorkingWindow, WINDOW_COLUMNS, windows)
    _write(org, FocusBlock, WINDOW_COLUMNS + ("label",), blocks)

    for pid, day, start, end in WorkingWindow.objects.for_org(org).values_list("membership_id", "weekday", "start",
                                                                              "end"):
        if pid in people:
            people[pid].windows.setdefault(day, []).append((start, end))
    for person in people.values():
        if not person.windows:
            person.windows = {day: [(person.start, person.end)] for day in range(5)}
    for pid, day, start, end in FocusBlock.objects.for_org(org).values_list("membership_id", "weekday", "start",
                                                                           "end"):
        if pid in people:
            people[pid].focus.setdefault(day, []).append((start, end))


@functools.lru_cache(maxsize=None)
def _at(day: date, at: clock, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC (cached: the same few times recur all year)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
