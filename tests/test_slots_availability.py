"""The availability selector: what it loads, the policy it checks, the queries it costs."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mentoring.errors import DomainError
from sessions_app.models import BusyTime, ExternalCalendar, FocusBlock, MentoringSession, TimeClaim, WorkingWindow
from sessions_app.selectors.availability import person_availability, slot_suggestions
from sessions_app.selectors.caps import sessions_in_week
from sessions_app.weeks import iso_week_bounds
from tests.factories import MembershipFactory

UTC = timezone.utc
MONDAY_7_DEC_0600Z = datetime(2026, 12, 7, 6, tzinfo=UTC)  # 07:00 in Berlin


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def book(org, mentor, mentee, start, minutes=30, status=MentoringSession.Status.BOOKED):
    """A session and its two time claims, as booking writes them."""
    session = MentoringSession.objects.for_org(org).create(
        organization=org, mentor=mentor, mentee=mentee, start=start, end=start + timedelta(minutes=minutes),
        status=status)
    TimeClaim.objects.for_org(org).bulk_create([
        TimeClaim(organization=org, session=session, membership=person, start=session.start, end=session.end,
                  active=status != MentoringSession.Status.CANCELLED) for person in (mentor, mentee)])
    return session


def busy(org, person, start, minutes=60):
    calendar = ExternalCalendar.objects.for_org(org).filter(membership=person).first() or \
        ExternalCalendar.objects.for_org(org).create(organization=org, membership=person, name="Work")
    return BusyTime.objects.for_org(org).create(organization=org, calendar=calendar, membership=person, start=start,
                                                end=start + timedelta(minutes=minutes))


def window(model, org, person, weekday, start, end):
    return model.objects.for_org(org).create(organization=org, membership=person, weekday=weekday, start=start,
                                             end=end)


@pytest.fixture
def second_mentor(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, display_name="Sam Second")


def test_people_without_declared_windows_work_monday_to_friday_in_their_profile_hours(org_a, mentor, mentee):
    mentee.working_hours_start, mentee.working_hours_end = time(10), time(12)
    mentee.save()

    slots = slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=MONDAY_7_DEC_0600Z, limit=None)

    local = [slot.start_utc.astimezone(ZoneInfo(mentee.time_zone)) for slot in slots]
    assert local and {start.weekday() for start in local} == {0, 1, 2, 3, 4}
    assert all(time(10) <= start.time() and (start + timedelta(minutes=30)).time() <= time(12) for start in local)


def test_declared_windows_focus_blocks_busy_times_and_sessions_in_any_role_are_respected(
        org_a, mentor, mentee, second_mentor):
    window(WorkingWindow, org_a, mentor, 1, time(9), time(12))  # Tuesday mornings only (Berlin)
    window(FocusBlock, org_a, mentor, 1, time(9), time(10))
    busy(org_a, mentee, utc(2026, 12, 8, 9, 30), minutes=30)  # 10:30–11:00 in Berlin
    book(org_a, mentee, second_mentor, utc(2026, 12, 8, 10, 30))  # the mentee mentors someone 11:30–12:00
    mentee.is_mentor = True
    mentee.save()

    slots = slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=15, now=MONDAY_7_DEC_0600Z,
                             days=2, limit=None)

    # Free for both on Tuesday 8 Dec: 10:05–10:25 (focus + buffer, busy - buffer) and 11:05–11:25.
    assert sorted(slot.start_utc for slot in slots) == [utc(2026, 12, 8, 9, 5), utc(2026, 12, 8, 9, 10),
                                                        utc(2026, 12, 8, 10, 5), utc(2026, 12, 8, 10, 10)]


def test_reasons_speak_to_the_viewer_and_name_the_other_person(org_a, mentor, mentee):
    window(WorkingWindow, org_a, mentor, 1, time(9), time(12))
    window(FocusBlock, org_a, mentor, 1, time(9), time(10))

    slots = slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=MONDAY_7_DEC_0600Z, days=2,
                             viewer=mentee)

    reasons = {slot.start_utc: slot.reason for slot in slots}
    assert reasons[utc(2026, 12, 8, 9, 5)] == "right after Otto Mentor's focus block"
    assert reasons[utc(2026, 12, 8, 10, 30)] == "at the end of Otto Mentor's working day"


def test_mentee_with_two_sessions_this_week_across_mentors_gets_only_next_weeks_slots(
        org_a, mentor, mentee, second_mentor):
    book(org_a, second_mentor, mentee, utc(2026, 12, 7, 13))
    book(org_a, second_mentor, mentee, utc(2026, 12, 8, 13))

    slots = slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=MONDAY_7_DEC_0600Z, limit=None)

    _, next_week = iso_week_bounds(MONDAY_7_DEC_0600Z, mentee.time_zone)
    assert slots and min(slot.start_utc for slot in slots) == next_week + timedelta(hours=9)  # Mon 14 Dec, 09:00


def test_a_cancelled_session_neither_counts_toward_the_cap_nor_blocks_time(org_a, mentor, mentee, second_mentor):
    book(org_a, second_mentor, mentee, utc(2026, 12, 7, 13))
    book(org_a, second_mentor, mentee, utc(2026, 12, 8, 13), status=MentoringSession.Status.CANCELLED)

    slots = slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=MONDAY_7_DEC_0600Z, limit=None)

    assert utc(2026, 12, 8, 13) in {slot.start_utc for slot in slots}


def test_weekly_counts_match_the_caps_definition_week_by_week(org_a, mentor, mentee, second_mentor):
    mentee.time_zone = "America/New_York"
    mentee.save()
    # Sunday 13 Dec 23:30 in New York is already Monday in UTC: it belongs to the week of 7 Dec there.
    for start in (utc(2026, 12, 7, 15), utc(2026, 12, 14, 4, 30), utc(2026, 12, 15, 15), utc(2026, 12, 22, 15)):
        book(org_a, second_mentor, mentee, start)
    book(org_a, mentee, mentor, utc(2026, 12, 16, 15))  # as a mentor: not a mentee session
    book(org_a, second_mentor, mentee, utc(2026, 12, 17, 15), status=MentoringSession.Status.CANCELLED)

    loaded = person_availability(org_a, mentee, MONDAY_7_DEC_0600Z, MONDAY_7_DEC_0600Z + timedelta(days=14),
                                 role="mentee")

    weeks = [MONDAY_7_DEC_0600Z + timedelta(days=7 * k) for k in range(3)]
    assert [loaded.week_counts.get(iso_week_bounds(at, mentee.time_zone)[0], 0) for at in weeks] == \
        [sessions_in_week(person=mentee, role="mentee", instant=at) for at in weeks] == [2, 1, 1]
    assert loaded.cap == org_a.mentee_weekly_cap


def test_suggestions_cost_the_same_queries_however_many_busy_times_and_sessions(
        org_a, mentor, mentee, second_mentor, django_assert_num_queries):
    window(WorkingWindow, org_a, mentor, 0, time(8), time(18))
    window(FocusBlock, org_a, mentee, 2, time(9), time(11))
    busy(org_a, mentee, utc(2026, 12, 8, 9))
    book(org_a, second_mentor, mentee, utc(2026, 12, 9, 14))
    args = dict(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=MONDAY_7_DEC_0600Z)

    # windows with focus blocks, busy times with time claims, session starts for the weekly counts
    with django_assert_num_queries(3):
        few = slot_suggestions(**args)
    for day in range(1, 12):
        busy(org_a, mentor, utc(2026, 12, 7, 8) + timedelta(days=day))
        busy(org_a, mentee, utc(2026, 12, 7, 14) + timedelta(days=day))
        book(org_a, second_mentor, mentee, utc(2026, 12, 7, 12) + timedelta(days=day, minutes=7 * day))
    with django_assert_num_queries(3):
        many = slot_suggestions(**args)

    assert few != many


@pytest.mark.parametrize(("minutes", "message"), [(45, "15, 20, 25 or 30"), (25, "last 15–20 minutes"),
                                                  ("30", "15, 20, 25 or 30")])
def test_minutes_outside_the_org_policy_are_refused_on_the_minutes_field(org_a, mentor, mentee, minutes, message):
    org_a.session_max_minutes = 20
    org_a.save()

    with pytest.raises(DomainError, match=message) as refused:
        slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=minutes, now=MONDAY_7_DEC_0600Z)

    assert list(refused.value.errors) == ["minutes"]


def test_a_member_of_another_org_cannot_be_paired(org_a, mentor, outsider):
    with pytest.raises(DomainError) as refused:
        slot_suggestions(org=org_a, mentor=mentor, mentee=outsider, minutes=30, now=MONDAY_7_DEC_0600Z)

    assert list(refused.value.errors) == ["mentee"]


def test_the_same_person_cannot_be_both_mentor_and_mentee(org_a, mentor):
    mentor.is_mentee = True
    mentor.save()

    with pytest.raises(DomainError, match="two different people"):
        slot_suggestions(org=org_a, mentor=mentor, mentee=mentor, minutes=30, now=MONDAY_7_DEC_0600Z)


def test_horizon_beyond_four_weeks_is_refused_on_the_days_field(org_a, mentor, mentee):
    with pytest.raises(DomainError) as refused:
        slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=MONDAY_7_DEC_0600Z, days=60)

    assert list(refused.value.errors) == ["days"]
