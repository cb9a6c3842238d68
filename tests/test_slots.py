"""Slot arithmetic with hand-worked expectations (pure: no database)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sessions_app.slots import PersonAvailability, local_to_utc, suggest
from sessions_app.weeks import iso_week_bounds

UTC = timezone.utc
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
WEEKDAYS_9_TO_5 = [(day, time(9), time(17)) for day in range(5)]
MONDAY_2_MARCH_0600Z = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, 01:00 in New York


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def person(tz: str, working=WEEKDAYS_9_TO_5, **kwargs) -> PersonAvailability:
    return PersonAvailability(tz=tz, working=working, **kwargs)


def spans_by_day(slots) -> dict:
    """{UTC date: (first start, last end)} of the slots."""
    spans: dict = {}
    for slot in slots:
        first, last = spans.get(slot.start_utc.date(), (slot.start_utc, slot.end_utc))
        spans[slot.start_utc.date()] = (min(first, slot.start_utc), max(last, slot.end_utc))
    return spans


def test_berlin_mentor_and_new_york_mentee_meet_in_their_shared_hours():
    slots = suggest(mentor=person(BERLIN), mentee=person(NEW_YORK), minutes=30, now=MONDAY_2_MARCH_0600Z)

    spans = spans_by_day(slots)
    # Both on winter time: Berlin 15:00–17:00 (UTC+1) is New York 09:00–11:00 (UTC-5).
    assert spans[date(2026, 3, 2)] == (utc(2026, 3, 2, 14), utc(2026, 3, 2, 16))
    # New York moved to summer time on 8 March, Berlin only on 29 March: three shared hours.
    assert spans[date(2026, 3, 9)] == (utc(2026, 3, 9, 13), utc(2026, 3, 9, 16))
    assert {day.weekday() for day in spans} == {0, 1, 2, 3, 4}
    assert len(spans) == 10


def test_kolkata_half_hour_offset_shapes_the_shared_hours():
    slots = suggest(mentor=person(BERLIN), mentee=person("Asia/Kolkata"), minutes=30, now=MONDAY_2_MARCH_0600Z,
                    days=2)

    # Berlin 09:00–17:00 is 08:00–16:00 UTC; Kolkata 09:00–17:00 (UTC+5:30) is 03:30–11:30 UTC.
    assert spans_by_day(slots)[date(2026, 3, 3)] == (utc(2026, 3, 3, 8), utc(2026, 3, 3, 11, 30))


def test_mentee_at_two_sessions_this_week_gets_slots_only_from_next_week():
    this_week, next_week = iso_week_bounds(MONDAY_2_MARCH_0600Z, BERLIN)
    mentee = person(BERLIN, week_counts={this_week: 2}, cap=2)

    slots = suggest(mentor=person(BERLIN), mentee=mentee, minutes=30, now=MONDAY_2_MARCH_0600Z)

    assert slots
    assert min(slot.start_utc for slot in slots) == utc(2026, 3, 9, 8)  # Monday 9 March, 09:00 in Berlin
    assert all(slot.start_utc >= next_week for slot in slots)


def test_mentor_at_cap_in_their_own_week_blocks_that_week_too():
    week_start, week_end = iso_week_bounds(MONDAY_2_MARCH_0600Z, BERLIN)
    mentor = person(BERLIN, week_counts={week_start: 8}, cap=8)

    slots = suggest(mentor=mentor, mentee=person(BERLIN), minutes=30, now=MONDAY_2_MARCH_0600Z)

    assert slots and all(slot.start_utc >= week_end for slot in slots)


def test_slot_right_after_a_focus_block_ranks_above_a_mid_afternoon_one():
    mentor = person(BERLIN, focus=[(1, time(9), time(11))], label="your")  # Tuesday mornings
    now = utc(2026, 3, 2, 18)  # Monday evening

    slots = suggest(mentor=mentor, mentee=person(BERLIN), minutes=30, now=now, days=2)

    starts = [slot.start_utc for slot in slots]
    after_focus = starts.index(utc(2026, 3, 3, 10, 5))  # 11:05 in Berlin: focus end + 5 min buffer
    mid_afternoon = starts.index(utc(2026, 3, 3, 13))  # 14:00 in Berlin
    assert after_focus < mid_afternoon
    assert slots[after_focus].reason == "right after your focus block"
    # 11:05 leaves only the mentee a 2h05 piece before it; 14:00 leaves both people 2h30 after it.
    assert slots[after_focus].score == -125
    assert slots[mid_afternoon].score == -(150 + 150)
    assert slots[mid_afternoon].reason.startswith("splits free time")


def test_a_slot_filling_the_end_of_both_days_leaves_everything_whole_and_ranks_first():
    slots = suggest(mentor=person(BERLIN), mentee=person(BERLIN), minutes=30, now=utc(2026, 3, 2, 18), days=2)

    assert slots[0].start_utc == utc(2026, 3, 3, 8)  # 09:00 Tuesday: start of both days
    assert slots[0].score == 0
    assert slots[1].start_utc == utc(2026, 3, 3, 15, 30)  # 16:30: end of both days
    assert slots[1].score == 0


def test_busy_time_and_its_buffer_are_kept_clear_and_the_next_slot_hugs_it():
    busy = [(utc(2026, 3, 3, 9), utc(2026, 3, 3, 9, 30))]  # 10:00–10:30 in Berlin
    mentee = person(BERLIN, busy=busy, label="Mina's")

    slots = suggest(mentor=person(BERLIN), mentee=mentee, minutes=30, now=utc(2026, 3, 2, 18), days=2)

    assert all(slot.end_utc <= utc(2026, 3, 3, 8, 55) or slot.start_utc >= utc(2026, 3, 3, 9, 35)
               for slot in slots)
    hugging = next(slot for slot in slots if slot.start_utc == utc(2026, 3, 3, 9, 35))
    assert hugging.reason == "right after Mina's other meeting"
    before = next(slot for slot in slots if slot.end_utc == utc(2026, 3, 3, 8, 55))
    assert before.start_utc == utc(2026, 3, 3, 8, 25)


def test_no_slot_starts_within_the_lead_hour():
    now = utc(2026, 3, 3, 8, 10)  # Tuesday 09:10 in Berlin

    slots = suggest(mentor=person(BERLIN), mentee=person(BERLIN), minutes=15, now=now, days=1)

    assert min(slot.start_utc for slot in slots) == utc(2026, 3, 3, 9, 15)


def test_every_slot_lasts_the_minutes_asked_and_starts_on_the_five_minute_grid():
    slots = suggest(mentor=person(BERLIN), mentee=person(NEW_YORK), minutes=25, now=MONDAY_2_MARCH_0600Z)

    assert {slot.end_utc - slot.start_utc for slot in slots} == {timedelta(minutes=25)}
    assert all(slot.start_utc.minute % 5 == 0 and slot.start_utc.second == 0 for slot in slots)


def test_ranking_is_deterministic_best_score_first_then_earliest():
    args = dict(mentor=person(BERLIN, focus=[(2, time(13), time(15))]), mentee=person(NEW_YORK), minutes=20,
                now=MONDAY_2_MARCH_0600Z)

    first, second = suggest(**args), suggest(**args)

    assert first == second
    assert [-slot.score for slot in first] == sorted(-slot.score for slot in first)


def test_limit_keeps_the_best_slots():
    args = dict(mentor=person(BERLIN), mentee=person(NEW_YORK), minutes=30, now=MONDAY_2_MARCH_0600Z)

    assert suggest(**args, limit=5) == suggest(**args)[:5]


@pytest.mark.parametrize("minutes", [10, 35, 45, 0])
def test_minutes_outside_15_20_25_30_are_refused(minutes):
    with pytest.raises(ValueError, match="15, 20, 25 or 30"):
        suggest(mentor=person(BERLIN), mentee=person(BERLIN), minutes=minutes, now=MONDAY_2_MARCH_0600Z)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        suggest(mentor=person(BERLIN), mentee=person(BERLIN), minutes=30, now=datetime(2026, 3, 2, 6))


# --- Clock changes: wall time is kept -------------------------------------------------------------

def test_window_on_the_spring_forward_day_keeps_its_wall_time():
    sunday_nine_to_ten = [(6, time(9), time(10))]
    both = dict(mentor=person(NEW_YORK, sunday_nine_to_ten), mentee=person(NEW_YORK, sunday_nine_to_ten))

    slots = suggest(**both, minutes=30, now=utc(2026, 3, 7, 12), days=2)

    # 09:00 EDT (UTC-4) on 8 March, not 09:00 EST.
    assert sorted(slot.start_utc for slot in slots) == [utc(2026, 3, 8, 13), utc(2026, 3, 8, 13, 15),
                                                        utc(2026, 3, 8, 13, 30)]
    assert {slot.start_utc.astimezone(ZoneInfo(NEW_YORK)).hour for slot in slots} == {9}


def test_window_starting_in_the_spring_forward_gap_starts_when_the_gap_ends():
    sunday_0230_to_0330 = [(6, time(2, 30), time(3, 30))]
    both = dict(mentor=person(NEW_YORK, sunday_0230_to_0330), mentee=person(NEW_YORK, sunday_0230_to_0330))

    slots = suggest(**both, minutes=30, now=utc(2026, 3, 7, 12), days=2)

    # 02:30 does not exist on 8 March: the window runs 03:00–03:30 EDT (07:00–07:30 UTC).
    assert [(slot.start_utc, slot.end_utc) for slot in slots] == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30))]


def test_window_in_the_repeated_hour_uses_its_first_occurrence():
    sunday_0100_to_0145 = [(6, time(1), time(1, 45))]
    both = dict(mentor=person(NEW_YORK, sunday_0100_to_0145), mentee=person(NEW_YORK, sunday_0100_to_0145))

    slots = suggest(**both, minutes=30, now=utc(2026, 10, 31, 12), days=2, step_minutes=15)

    # 1 November: 01:00–01:45 EDT (UTC-4), the first time the clock shows it.
    assert sorted(slot.start_utc for slot in slots) == [utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 15)]


@pytest.mark.parametrize(("day", "wall", "tz", "expected"), [
    (date(2026, 3, 8), time(2, 30), NEW_YORK, utc(2026, 3, 8, 7)),  # gap -> 03:00 EDT
    (date(2026, 3, 29), time(2, 0), BERLIN, utc(2026, 3, 29, 1)),  # gap start -> 03:00 CEST
    (date(2026, 10, 25), time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30)),  # ambiguous -> CEST (fold=0)
    (date(2026, 10, 4), time(2, 10), "Australia/Lord_Howe", utc(2026, 10, 3, 15, 30)),  # 30-min gap -> 02:30
    (date(2026, 4, 5), time(1, 45), "Australia/Lord_Howe", utc(2026, 4, 4, 14, 45)),  # ambiguous -> +11:00
    (date(2026, 4, 5), time(2, 0), "Australia/Lord_Howe", utc(2026, 4, 4, 15, 30)),  # after the repeat
    (date(2026, 3, 8), time(9, 0), "Asia/Kolkata", utc(2026, 3, 8, 3, 30)),  # +05:30, no DST
])
def test_local_wall_time_maps_to_the_first_instant_showing_it_or_later(day, wall, tz, expected):
    assert local_to_utc(day, wall, ZoneInfo(tz)) == expected
