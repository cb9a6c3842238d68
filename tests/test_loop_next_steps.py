"""Next steps: grouping with hand-worked dates, ticking off and reopening,
who sees whose steps, counts for managers, kudos and surveys (services)."""

from datetime import date, datetime, timezone

import pytest

from mentoring.errors import Conflict, DomainError, NotPermitted
from sessions_app.models import NextStep
from sessions_app.selectors import loop as selectors
from sessions_app.services.kudos import kudos_give
from sessions_app.services.next_steps import (next_step_complete, next_step_create, next_step_reopen,
                                              next_step_update)
from sessions_app.services.surveys import survey_answer
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory, NextStepFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 3, 4)  # its ISO week ends on Sunday 8 March


@pytest.fixture
def logged(org_a, mentor, mentee):
    return MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)


def step(session, title, due, owner=None, done_at=None):
    return NextStepFactory(session=session, title=title, due_date=due, owner=owner or session.mentee, done_at=done_at)


def titles(steps):
    return [s.title for s in steps]


def test_next_steps_are_grouped_overdue_this_week_later_and_done(logged, mentee):
    step(logged, "Tuesday's", date(2026, 3, 3))
    step(logged, "Today's", date(2026, 3, 4))
    step(logged, "Sunday's", date(2026, 3, 8))
    step(logged, "Next Monday's", date(2026, 3, 9))
    step(logged, "Finished", date(2026, 3, 1), done_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    groups = selectors.my_next_steps(mentee, today=WEDNESDAY)
    assert {key: titles(value) for key, value in groups.items()} == {
        "overdue": ["Tuesday's"], "this_week": ["Today's", "Sunday's"], "later": ["Next Monday's"],
        "done": ["Finished"]}


def test_the_latest_done_steps_come_newest_first_and_stop_at_the_limit(logged, mentee):
    for day in range(1, selectors.DONE_SHOWN + 6):
        step(logged, f"Done on the {day}", date(2026, 1, day), done_at=datetime(2026, 1, day, 9, tzinfo=timezone.utc))
    step(logged, "Later, added first", date(2026, 3, 20))
    step(logged, "Later, due sooner", date(2026, 3, 10))
    groups = selectors.my_next_steps(mentee, today=WEDNESDAY)
    newest = selectors.DONE_SHOWN + 5
    assert titles(groups["done"]) == [f"Done on the {day}" for day in range(newest, newest - selectors.DONE_SHOWN, -1)]
    assert titles(groups["later"]) == ["Later, due sooner", "Later, added first"]


def test_on_a_sunday_due_this_week_means_today_only(logged, mentee):
    step(logged, "Sunday's", date(2026, 3, 8))
    step(logged, "Monday's", date(2026, 3, 9))
    groups = selectors.my_next_steps(mentee, today=date(2026, 3, 8))
    assert (titles(groups["this_week"]), titles(groups["later"])) == (["Sunday's"], ["Monday's"])


def test_today_is_the_viewer_s_own_date(mentee):
    late_evening_utc = datetime(2026, 3, 4, 23, 30, tzinfo=timezone.utc)  # already Thursday in Berlin
    assert selectors.local_today(mentee, late_evening_utc) == date(2026, 3, 5)


def test_my_next_steps_hold_only_my_own(logged, mentee, mentor, org_a):
    step(logged, "Mine", WEDNESDAY)
    step(logged, "The mentor's", WEDNESDAY, owner=mentor)
    other = MentoringSessionFactory(organization=org_a, mentor=mentor, logged=True)
    step(other, "Another mentee's", WEDNESDAY)
    groups = selectors.my_next_steps(mentee, today=WEDNESDAY)
    assert titles(groups["this_week"]) == ["Mine"]


def test_a_mentor_sees_their_mentees_steps_from_their_sessions_only(logged, mentor, mentee, org_a):
    step(logged, "From my session", WEDNESDAY)
    step(logged, "Mine to do", WEDNESDAY, owner=mentor)
    elsewhere = MentoringSessionFactory(organization=org_a, mentee=mentee, logged=True)  # another mentor
    step(elsewhere, "From another mentor's session", WEDNESDAY)
    people = selectors.mentees_next_steps(mentor, today=WEDNESDAY)
    assert [(entry["mentee"], titles(entry["steps"])) for entry in people] == [(mentee, ["From my session"])]


def test_managers_get_counts_per_team(logged, org_a):
    step(logged, "Late", date(2026, 3, 1))
    step(logged, "Soon", date(2026, 3, 6))
    step(logged, "On time", date(2026, 3, 6), done_at=datetime(2026, 3, 5, 9, tzinfo=timezone.utc))
    step(logged, "Too late", date(2026, 3, 1), done_at=datetime(2026, 3, 3, 9, tzinfo=timezone.utc))
    counts = selectors.next_step_counts(org_a, WEDNESDAY)
    assert counts["totals"] == {"open": 2, "overdue": 1, "this_week": 1, "done": 2, "done_on_time": 1}
    assert counts["teams"] == [{"team": "Platform", "open": 2, "overdue": 1, "this_week": 1, "done": 2,
                                "done_on_time": 1}]


def test_the_owner_ticks_a_step_off_and_reopens_it(logged, mentee):
    s = step(logged, "Ship it", WEDNESDAY)
    at = datetime(2026, 3, 4, 10, tzinfo=timezone.utc)
    next_step_complete(actor=mentee, next_step=s, now=at)
    assert (s.done_at, s.sequence) == (at, 1)
    next_step_complete(actor=mentee, next_step=s, now=datetime(2026, 3, 5, tzinfo=timezone.utc))
    assert (s.done_at, s.sequence) == (at, 1)  # a double click changes nothing
    next_step_reopen(actor=mentee, next_step=s)
    assert (s.done_at, s.sequence) == (None, 2)


def test_nobody_else_ticks_a_step_off(logged, mentor, manager):
    s = step(logged, "Ship it", WEDNESDAY)
    for actor in (mentor, manager):
        with pytest.raises(NotPermitted):
            next_step_complete(actor=actor, next_step=s)
    s.refresh_from_db()
    assert s.done_at is None


def test_a_participant_adds_and_changes_a_next_step(logged, mentor, mentee):
    added = next_step_create(actor=mentor, session=logged, title="Pair on it", owner=mentor, due_date=WEDNESDAY)
    assert (added.owner, added.kind) == (mentor, "code_review")
    changed = next_step_update(actor=mentee, next_step=added, title="Pair on it twice", due_date=date(2026, 3, 9))
    assert (changed.title, changed.due_date, changed.sequence) == ("Pair on it twice", date(2026, 3, 9), 1)


def test_steps_are_added_to_logged_sessions_only_and_by_participants(org_a, mentor, mentee, manager, logged):
    booked = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee)
    with pytest.raises(DomainError):
        next_step_create(actor=mentor, session=booked, title="Too early", owner=mentee, due_date=WEDNESDAY)
    with pytest.raises(NotPermitted):
        next_step_create(actor=manager, session=logged, title="Not mine", owner=mentee, due_date=WEDNESDAY)
    assert NextStep.unscoped.count() == 0


def test_the_survey_is_answered_once(logged, mentee, mentor):
    survey_answer(actor=mentee, session=logged, usefulness=5, comment="Great")
    survey_answer(actor=mentor, session=logged, usefulness=4)
    with pytest.raises(Conflict):
        survey_answer(actor=mentee, session=logged, usefulness=1)


def test_the_survey_takes_a_rating_from_1_to_5_by_a_participant_of_a_logged_session(logged, org_a, mentor, mentee,
                                                                                      manager):
    with pytest.raises(DomainError) as error:
        survey_answer(actor=mentee, session=logged, usefulness=6)
    assert list(error.value.errors) == ["usefulness"]
    with pytest.raises(NotPermitted):
        survey_answer(actor=manager, session=logged, usefulness=3)
    booked = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee)
    with pytest.raises(DomainError):
        survey_answer(actor=mentee, session=booked, usefulness=3)


def test_kudos_go_to_someone_else_in_the_org(mentee, mentor, outsider):
    given = kudos_give(actor=mentee, receiver=mentor, message="  Thanks   for the review! ")
    assert (given.giver, given.receiver, given.message) == (mentee, mentor, "Thanks for the review!")
    with pytest.raises(DomainError) as to_self:
        kudos_give(actor=mentee, receiver=mentee, message="Me!")
    assert list(to_self.value.errors) == ["receiver"]
    with pytest.raises(DomainError) as foreign:
        kudos_give(actor=mentee, receiver=outsider, message="Hi")
    assert list(foreign.value.errors) == ["receiver"]


def test_kudos_are_short(mentee, mentor):
    kudos_give(actor=mentee, receiver=mentor, message="x" * 280)
    with pytest.raises(DomainError) as error:
        kudos_give(actor=mentee, receiver=mentor, message="x" * 281)
    assert list(error.value.errors) == ["message"]


def test_kudos_for_a_session_go_between_its_participants(logged, mentee, mentor, manager, org_a):
    kudos_give(actor=mentee, receiver=mentor, message="Thanks", session=logged)
    with pytest.raises(DomainError) as error:
        kudos_give(actor=manager, receiver=mentor, message="Thanks", session=logged)
    assert list(error.value.errors) == ["session"]
    bystander = MembershipFactory(organization=org_a)
    with pytest.raises(DomainError):
        kudos_give(actor=mentee, receiver=bystander, message="Thanks", session=logged)
