"""The right moment to deliver a nudge (pure: no Django, no database).

A nudge is never delivered inside a focus block or outside working hours in
the recipient's own time zone: it waits (is deferred, not dropped) until the
first instant that is neither. Weekly windows are expanded with
``slots.expand``, so wall-clock times hold across DST changes exactly as they
do for slot suggestions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .slots import Interval, WeeklyWindow, expand

HORIZON = timedelta(days=14)


def _merged(intervals: Sequence[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def deliverable_from(at: datetime, *, tz: str, working: Sequence[WeeklyWindow],
                     focus: Sequence[WeeklyWindow] = (), horizon: timedelta = HORIZON) -> datetime:
    """The first instant ≥ ``at`` inside a working window and outside every
    focus block, in zone ``tz``. With no such instant within ``horizon`` (no
    working time declared at all), ``at`` itself: late beats never."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime.")
    # Most answers lie within a long weekend: look there first (sweeps call this per row).
    for reach in (min(horizon, timedelta(days=4)), horizon):
        if (found := _first_free(at, at + reach, tz, working, focus)) is not None:
            return found
    return at


def _first_free(at: datetime, end: datetime, tz: str, working, focus) -> datetime | None:
    blocks = _merged(expand(focus, tz, at, end))
    for lo, hi in _merged(expand(working, tz, at, end)):
        candidate = max(lo, at)
        for block_lo, block_hi in blocks:  # sorted and disjoint: one pass pushes past every block in the way
            if block_lo <= candidate < block_hi:
                candidate = block_hi
        if candidate < hi:
            return candidate
    return None
