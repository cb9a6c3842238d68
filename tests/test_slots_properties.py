"""Property tests of slot suggestions across clock changes.

The oracle is written from the rule, not from the code: a local wall time on a
date means the first instant whose clock shows that time or later (found by
walking minute by minute), so a window starting in a spring-forward gap starts
when the gap ends and an ambiguous time is its first occurrence.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sessions_app.slots import LEAD_MINUTES, PersonAvailability, suggest
from sessions_app.weeks import iso_week_bounds

UTC = timezone.utc
ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]
# Every clock change of 2026 and 2027 in those zones (Asia/Kolkata has none).
TRANSITIONS = {
    "America/New_York": ["2026-03-08T07:00", "2026-11-01T06:00", "2027-03-14T07:00", "2027-11-07T06:00"],
    "Europe/Berlin": ["2026-03-29T01:00", "2026-10-25T01:00", "2027-03-28T01:00", "2027-10-31T01:00"],
    "Australia/Lord_Howe": ["2026-04-04T15:00", "2026-10-03T15:30", "2027-04-03T15:00", "2027-10-02T15:30"],
    "Asia/Kolkata": [],
}
CHANGE_INSTANTS = sorted(datetime.fromisoformat(at).replace(tzinfo=UTC) for ats in TRANSITIONS.values() for at in ats)
MINUTE = timedelta(minutes=1)


def test_the_listed_transitions_are_exactly_the_clock_changes_of_2026_and_2027():
    for zone, listed in TRANSITIONS.items():
        tz, found = ZoneInfo(zone), []
        instant = datetime(2026, 1, 1, tzinfo=UTC)
        offset = tz.utcoffset(instant.replace(tzinfo=None))
        while instant.year < 2028:
            instant += timedelta(minutes=30)
            if instant.astimezone(tz).utcoffset() != offset:
                found.append(f"{instant:%Y-%m-%dT%H:%M}")
                offset = instant.astimezone(tz).utcoffset()
        assert found == listed, zone


# --- The oracle -----------------------------------------------------------------------------------

def wall_to_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant whose clock in ``tz`` shows ``wall`` on ``day`` or later (brute force)."""
    naive = datetime.combine(day, wall)
    instant = (naive - tz.utcoffset(naive) - timedelta(hours=2)).replace(tzinfo=UTC)
    assert instant.astimezone(tz).replace(tzinfo=None) < naive
    while instant.astimezone(tz).replace(tzinfo=None) < naive:
        instant += MINUTE
    return instant


def instances(windows, tz_name: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    tz = ZoneInfo(tz_name)
    day, last = start.astimezone(tz).date() - timedelta(days=1), end.astimezone(tz).date() + timedelta(days=1)
    out = []
    while day <= last:
        out += [(wall_to_instant(day, lo, tz), wall_to_instant(day, hi, tz))
                for weekday, lo, hi in windows if weekday == day.weekday()]
        day += timedelta(days=1)
    return out


def covered(instant: datetime, intervals) -> bool:
    return any(lo <= instant < hi for lo, hi in intervals)


def overlaps(start: datetime, end: datetime, intervals, pad: timedelta) -> bool:
    return any(start < hi + pad and lo - pad < end for lo, hi in intervals)


def wall_inside(instant: datetime, windows, tz_name: str, *, end: bool = False) -> bool:
    local = instant.astimezone(ZoneInfo(tz_name))
    return any(weekday == local.weekday() and (lo < local.time() <= hi if end else lo <= local.time() < hi)
               for weekday, lo, hi in windows)


# --- Strategies -----------------------------------------------------------------------------------

# Starts on the 5-minute grid, often in the small hours where the clocks change.
wall_minutes = st.one_of(st.integers(0, 286).map(lambda n: n * 5), st.integers(0, 48).map(lambda n: n * 5))


@st.composite
def weekly_windows(draw, *, min_size: int, max_size: int, longest: int):
    """Windows of up to ``longest`` minutes, on random weekdays or the same hours every day."""
    def one(weekday):
        start = draw(wall_minutes)
        end = min(start + draw(st.integers(1, longest // 5)) * 5, 1435)
        return (weekday, time(start // 60, start % 60), time(end // 60, end % 60))

    if draw(st.booleans()):  # every day of the week, so the Sundays on which clocks change too
        _, lo, hi = one(0)
        return [(day, lo, hi) for day in range(7)]
    return [one(draw(st.integers(0, 6))) for _ in range(draw(st.integers(min_size, max_size)))]


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    # ``now`` a few days before to just after one of this zone's clock changes of 2026/2027.
    change = draw(st.sampled_from([at for at in CHANGE_INSTANTS if f"{at:%Y-%m-%dT%H:%M}" in TRANSITIONS[zone]]
                                  or CHANGE_INSTANTS))
    now = change + timedelta(minutes=draw(st.integers(-3 * 1440, 720)))
    days = draw(st.integers(1, 5))

    def someone(tz):
        busy = []
        for _ in range(draw(st.integers(0, 4))):
            lo = now + timedelta(minutes=draw(st.integers(-120, days * 1440)))
            busy.append((lo, lo + timedelta(minutes=draw(st.integers(1, 180)))))
        this_week = iso_week_bounds(now, tz)[0]
        week_counts = {iso_week_bounds(this_week + timedelta(days=7 * k, hours=12), tz)[0]:
                       draw(st.sampled_from([0, 0, 1, 2])) for k in range(-1, 3)}
        return PersonAvailability(
            tz=tz, working=draw(weekly_windows(min_size=1, max_size=6, longest=16 * 60)),
            focus=draw(weekly_windows(min_size=0, max_size=3, longest=180)), busy=busy, week_counts=week_counts,
            cap=draw(st.sampled_from([None, None, 1, 2, 3])))

    return dict(mentor=someone(zone), mentee=someone(draw(st.sampled_from([zone, zone, *ZONES]))),
                minutes=draw(st.sampled_from([15, 20, 25, 30])), now=now, days=days,
                buffer_minutes=draw(st.sampled_from([0, 5, 10])), step_minutes=draw(st.sampled_from([5, 15, 30])))


@st.composite
def clock_change_nights(draw):
    """Both people work nights in one zone across its clock change: the gap
    and the repeated hour fall inside or at the edges of their windows."""
    zone = draw(st.sampled_from([zone for zone, changes in TRANSITIONS.items() if changes]))
    change = datetime.fromisoformat(draw(st.sampled_from(TRANSITIONS[zone]))).replace(tzinfo=UTC)
    now = change - timedelta(minutes=draw(st.integers(90, 2 * 1440)))
    start = draw(st.integers(0, 42)) * 5  # 00:00–03:30
    end = start + draw(st.integers(3, 48)) * 5
    night = [(day, time(start // 60, start % 60), time(end // 60, end % 60)) for day in range(7)]
    return dict(mentor=PersonAvailability(tz=zone, working=night), mentee=PersonAvailability(tz=zone, working=night),
                minutes=draw(st.sampled_from([15, 20, 25, 30])), now=now, days=3,
                buffer_minutes=draw(st.sampled_from([0, 5])), step_minutes=draw(st.sampled_from([5, 15])))


cases = st.one_of(scenarios(), clock_change_nights())


def oracle(person: PersonAvailability, now: datetime, days: int, buffer: timedelta):
    """-> is [start, end) fine for ``person``? (Windows may abut: every minute is checked.)"""
    working = instances(person.working, person.tz, now, now + timedelta(days=days))
    focus = instances(person.focus, person.tz, now, now + timedelta(days=days))

    def allowed(start: datetime, end: datetime) -> bool:
        in_hours = all(covered(start + k * MINUTE, working) for k in range(int((end - start) / MINUTE)))
        count = person.week_counts.get(iso_week_bounds(start, person.tz)[0], 0)
        return in_hours and not overlaps(start, end, focus, buffer) and not overlaps(start, end, person.busy, buffer) \
            and (person.cap is None or count < person.cap)

    return allowed


def oracles(case) -> list:
    buffer = timedelta(minutes=case["buffer_minutes"])
    return [oracle(case[who], case["now"], case["days"], buffer) for who in ("mentor", "mentee")]


# --- Properties -----------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(cases)
def test_every_slot_respects_hours_focus_busy_caps_and_length_across_clock_changes(case):
    slots = suggest(**case)

    now, checks = case["now"], oracles(case)
    for slot in slots:
        assert slot.end_utc - slot.start_utc == timedelta(minutes=case["minutes"])
        assert slot.start_utc >= now + timedelta(minutes=LEAD_MINUTES)
        assert slot.end_utc <= now + timedelta(days=case["days"])
        assert slot.start_utc.timestamp() % 300 == 0
        assert all(allowed(slot.start_utc, slot.end_utc) for allowed in checks), slot


@settings(max_examples=150, deadline=None)
@given(cases)
def test_slots_keep_the_wall_time_of_both_peoples_windows(case):
    """Not shifted by the clock change: a slot's local start and end read as
    times inside a window on that weekday (in the repeated hour of a fall-back
    night the second pass is exempt: its clock reads earlier than the first)."""
    for slot in suggest(**case):
        for who in ("mentor", "mentee"):
            person = case[who]
            tz = ZoneInfo(person.tz)
            if slot.start_utc.astimezone(tz).fold == 0:
                assert wall_inside(slot.start_utc, person.working, person.tz), (who, slot)
            if slot.end_utc.astimezone(tz).fold == 0 and (slot.end_utc - MINUTE).astimezone(tz).fold == 0:
                assert wall_inside(slot.end_utc - MINUTE, person.working, person.tz), (who, slot)


@settings(max_examples=60, deadline=None)
@given(cases)
def test_every_allowed_start_on_the_step_grid_is_suggested(case):
    """Completeness: no valid time (by the oracle) is lost, around clock changes or not."""
    slots = suggest(**case)

    now, step, length = case["now"], timedelta(minutes=case["step_minutes"]), timedelta(minutes=case["minutes"])
    checks, suggested = oracles(case), {slot.start_utc for slot in slots}
    start = now + timedelta(minutes=LEAD_MINUTES)
    start += (datetime(1970, 1, 1, tzinfo=UTC) - start) % step
    while start + length <= now + timedelta(days=case["days"]):
        if all(allowed(start, start + length) for allowed in checks):
            assert start in suggested, start
        start += step


@settings(max_examples=100, deadline=None)
@given(cases)
def test_slots_come_best_score_first_then_earliest_and_never_twice(case):
    slots = suggest(**case)

    assert len({slot.start_utc for slot in slots}) == len(slots)
    assert all(slot.score <= 0 for slot in slots)
    assert [slot.score for slot in slots] == sorted((slot.score for slot in slots), reverse=True)
