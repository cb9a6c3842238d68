"""Personal views: a mentor's own load and their mentees' next-step completion;
a mentee's own progress. Own data only; flat query counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import selectors_personal as sel
from metrics import services_events as svc
from sessions_app.models import MentoringSession
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory, NextStepFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday noon in the viewer's zone (the factories' people live in Berlin).
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=BERLIN)


def at(days_before: int, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days_before)).replace(hour=hour)


def session(mentor, mentee, start, **kwargs):
    return MentoringSessionFactory(organization=mentor.organization, mentor=mentor, mentee=mentee, start=start,
                                   **kwargs)


def test_mentor_load_counts_held_sessions_per_iso_week(org_a, mentor, mentee):
    other_mentor = MembershipFactory(organization=org_a, is_mentor=True)
    session(mentor, mentee, at(8), logged=True)              # last week's Tuesday
    session(mentor, mentee, at(8, 15))                        # booked, in the past: held, not logged yet
    session(mentor, mentee, at(9), status=MentoringSession.Status.CANCELLED)
    session(mentor, mentee, at(22), logged=True)              # three weeks ago
    session(mentor, mentee, at(70), logged=True)              # ten weeks ago: outside the window
    session(mentor, mentee, NOW + timedelta(hours=2))          # later today: not held yet
    session(other_mentor, mentee, at(1), logged=True)         # someone else's

    load = sel.mentor_load(member=mentor, now=NOW, tz=BERLIN)

    assert [week["sessions"] for week in load] == [0, 0, 0, 0, 1, 0, 2, 0]
    assert (load[-1]["label"], load[-1]["monday"]) == ("2026-W12", date(2026, 3, 16))


def test_mentees_completion_counts_only_the_steps_of_their_sessions_with_this_mentor(org_a, mentor, mentee):
    other_mentor = MembershipFactory(organization=org_a, is_mentor=True)
    mine = session(mentor, mentee, at(20), logged=True)
    NextStepFactory(session=mine, owner=mentee, due_date=date(2026, 3, 1), done_at=at(19))
    NextStepFactory(session=mine, owner=mentee, due_date=date(2026, 3, 2), done_at=at(18))
    NextStepFactory(session=mine, owner=mentee, due_date=date(2026, 3, 3))                # overdue
    NextStepFactory(session=mine, owner=mentee, due_date=date(2026, 3, 30))               # open, not due
    NextStepFactory(session=mine, owner=mentor, due_date=date(2026, 3, 3))                # the mentor's own
    NextStepFactory(session=session(other_mentor, mentee, at(30), logged=True), owner=mentee,
                    due_date=date(2026, 3, 3))                                            # another mentor's

    rows = sel.mentees_completion(member=mentor, today=NOW.date())

    assert [(r["display_name"], r["done"], r["open"], r["overdue"], r["share_done"]) for r in rows] == \
        [("Mina Mentee", 2, 2, 1, 50)]


def test_mentee_progress_this_month_steps_and_ramp(org_a, manager, mentor, mentee):
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2026, 1, 5))
    definition = svc.ramp_definition_create(actor=manager, name="First change shipped")
    svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition, reached_on=date(2026, 2, 24))
    session(mentor, mentee, at(10), logged=True)                                   # 8 March
    session(mentor, mentee, at(14), status=MentoringSession.Status.CANCELLED)       # 4 March, cancelled
    session(mentor, mentee, at(20), logged=True)                                   # 26 February: last month
    session(mentor, mentee, NOW + timedelta(days=2))                               # booked, later this month
    done = session(mentor, mentee, at(30), logged=True)
    NextStepFactory(session=done, owner=mentee, due_date=date(2026, 3, 1), done_at=at(25))
    NextStepFactory(session=done, owner=mentee, due_date=date(2026, 3, 1))

    progress = sel.mentee_progress(member=mentee, now=NOW, tz=BERLIN)

    assert (progress["sessions_held"], progress["sessions_upcoming"]) == (1, 1)
    assert (progress["steps_done"], progress["steps_open"], progress["steps_overdue"]) == (1, 1, 1)
    assert (progress["role_start"], progress["days_in_role"]) == (date(2026, 1, 5), 72)
    assert (progress["milestone"].reached_on, progress["days_to_milestone"]) == (date(2026, 2, 24), 50)


def test_a_milestone_of_an_earlier_role_does_not_count_after_a_transfer(org_a, manager, mentee):
    definition = svc.ramp_definition_create(actor=manager, name="First change shipped")
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 1, 6))
    svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition, reached_on=date(2025, 3, 3))
    svc.role_event_record(actor=manager, member=mentee, kind="transfer", effective_on=date(2026, 3, 2),
                          team_after="Search")

    progress = sel.mentee_progress(member=mentee, now=NOW, tz=BERLIN)

    assert (progress["role_start"], progress["milestone"], progress["days_in_role"]) == (date(2026, 3, 2), None, 16)


def test_the_page_shows_only_the_viewers_own_figures(org_a, mentor, mentee, client_for):
    other_mentee = MembershipFactory(organization=org_a, is_mentee=True, display_name="Zara Othermentee")
    other_mentor = MembershipFactory(organization=org_a, is_mentor=True, display_name="Ulf Othermentor")
    session(mentor, mentee, at(1, 9), logged=True)
    session(other_mentor, other_mentee, at(1, 11), logged=True)

    as_mentor = client_for(mentor).get(reverse("my_progress", args=["acme"])).content.decode()
    as_mentee = client_for(mentee).get(reverse("my_progress", args=["acme"])).content.decode()

    assert "My mentoring load" in as_mentor and "Mina Mentee" in as_mentor
    assert "Zara Othermentee" not in as_mentor
    assert "As a mentee" in as_mentee and "My mentoring load" not in as_mentee
    assert "Ulf Othermentor" not in as_mentee


def test_hr_without_mentoring_roles_sees_an_empty_state(hr, client_for):
    response = client_for(hr).get(reverse("my_progress", args=["acme"]))

    assert "you hold neither role" in response.content.decode()


@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_the_page_queries_do_not_grow_with_sessions_or_mentees(org_a, manager, mentor, mentee, who, request,
                                                                client_for, django_assert_num_queries):
    definition = svc.ramp_definition_create(actor=manager, name="Shipped")
    svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition, reached_on=date(2025, 3, 3))
    viewer = request.getfixturevalue(who)
    client = client_for(viewer)
    path = reverse("my_progress", args=["acme"])

    def add(n):
        for _ in range(n):
            other = MembershipFactory(organization=org_a, is_mentee=True)
            for person in (mentee, other):
                start = at(0, 9) - timedelta(days=len(MentoringSession.objects.for_org(org_a).all()) + 1)
                NextStepFactory(session=session(mentor, person, start, logged=True), owner=person)

    add(1)
    client.get(path)
    with CaptureQueriesContext(connection) as one:
        client.get(path)
    add(9)
    with django_assert_num_queries(len(one)):
        response = client.get(path)

    assert response.status_code == 200
