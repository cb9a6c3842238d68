"""The right moment for a nudge (sessions_app.moments, pure), property-tested
across clock changes.

The oracle is written from the rule, not from the code: walking forward from
the due instant in 15-minute steps, the first instant whose *wall clock* in the
recipient's zone lies in a working window and in no focus block. Windows are
daytime (06:00–22:00), where no zone below changes its clocks, so the wall
clock alone decides.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions_app.moments import HORIZON, deliverable_from

UTC = timezone.utc
STEP = timedelta(minutes=15)
MON_FRI_9_17 = [(day, time(9), time(17)) for day in range(5)]
ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]
# Clock changes of 2026 in those zones (Asia/Kolkata has none: the control).
CHANGES = [datetime.fromisoformat(at).replace(tzinfo=UTC) for at in (
    "2026-03-08T07:00", "2026-11-01T06:00", "2026-03-29T01:00", "2026-10-25T01:00",
    "2026-04-04T15:00", "2026-10-03T15:30")]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_due_inside_a_focus_block_after_the_spring_change_waits_until_it_ends_in_berlin():
    # Friday 18:00 CET, after hours; the clocks go forward on Sunday; Monday 09–11 is focus time.
    due = utc("2026-03-27T17:00")

    moment = deliverable_from(due, tz="Europe/Berlin", working=MON_FRI_9_17, focus=[(0, time(9), time(11))])

    assert moment == utc("2026-03-30T09:00")  # 11:00 CEST, not 10:00 UTC as a fixed +01:00 would say
    assert moment.astimezone(ZoneInfo("Europe/Berlin")).time() == time(11)


def test_due_before_the_autumn_change_in_new_york_arrives_at_the_local_end_of_focus():
    due = utc("2026-10-30T22:00")  # Friday 18:00 EDT; Sunday the clocks go back

    moment = deliverable_from(due, tz="America/New_York", working=MON_FRI_9_17,
                              focus=[(0, time(9), time(10, 30))])

    assert moment == utc("2026-11-02T15:30")  # Monday 10:30 EST


def test_due_inside_working_hours_and_outside_focus_goes_at_once():
    due = utc("2026-03-31T12:34:56")  # Tuesday 14:34 CEST

    assert deliverable_from(due, tz="Europe/Berlin", working=MON_FRI_9_17, focus=[(1, time(9), time(11))]) == due


def test_adjacent_focus_blocks_are_waited_out_together():
    due = utc("2026-03-31T07:00")  # Tuesday 09:00 CEST
    focus = [(1, time(9), time(10)), (1, time(10), time(12, 30))]

    assert deliverable_from(due, tz="Europe/Berlin", working=MON_FRI_9_17, focus=focus) == utc("2026-03-31T10:30")


def test_no_working_time_at_all_delivers_at_the_due_instant_rather_than_never():
    due = utc("2026-03-31T07:00")

    assert deliverable_from(due, tz="Europe/Berlin", working=[], focus=[]) == due


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        deliverable_from(datetime(2026, 3, 31, 7), tz="Europe/Berlin", working=MON_FRI_9_17)


def _inside(windows, local: datetime) -> bool:
    return any(day == local.weekday() and start <= local.time() < end for day, start, end in windows)


def oracle(at: datetime, tz_name: str, working, focus) -> datetime:
    tz, instant = ZoneInfo(tz_name), at
    while instant < at + HORIZON:
        local = instant.astimezone(tz)
        if _inside(working, local) and not _inside(focus, local):
            return instant
        instant += STEP
    return at


daytime_window = st.builds(
    lambda day, start, length: (day, time(*divmod(start * 15, 60)),
                                time(*divmod(min(start + length, 88) * 15, 60))),
    st.integers(0, 6), st.integers(24, 87), st.integers(1, 40))  # 06:00–21:45 start, ends by 22:00


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from(ZONES), change=st.sampled_from(CHANGES), steps=st.integers(-4 * 96, 4 * 96),
       working=st.lists(daytime_window, max_size=8), focus=st.lists(daytime_window, max_size=4))
def test_the_moment_is_the_first_instant_in_working_hours_and_out_of_focus_on_the_local_clock(
        zone, change, steps, working, focus):
    at = change + steps * STEP  # within four days either side of a clock change

    assert deliverable_from(at, tz=zone, working=working, focus=focus) == oracle(at, zone, working, focus)
