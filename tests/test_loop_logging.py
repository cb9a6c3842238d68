"""Logging a session (services): policy bounds, at least one next step,
participants only, once, not before it started, not when cancelled."""

from datetime import date, datetime, timedelta, timezone

import pytest

from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import WorkItem
from sessions_app.models import MentoringSession, NextStep, SessionNote
from sessions_app.services.logging import NO_NEXT_STEP, NextStepDraft, session_log, session_note_update
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(org_a, mentor, mentee):
    return MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee)


def steps_for(session, *titles):
    return [NextStepDraft(title=title, owner=session.mentee, due_date=date(2030, 1, 7)) for title in titles]


def log(session, actor, **overrides):
    kwargs = {"actual_minutes": 25, "outcome_type": "code_review", "notes": "Talked about retries.",
              "next_steps": steps_for(session, "Add a retry test")}
    kwargs.update(overrides)
    return session_log(actor=actor, session=session, **kwargs)


def test_logging_marks_the_session_done_with_notes_and_next_steps(session, mentor):
    at = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    log(session, mentor, next_steps=steps_for(session, "Add a retry test", "Draft the RFC"), now=at)
    session.refresh_from_db()
    assert (session.status, session.actual_minutes, session.outcome_type, session.logged_by, session.logged_at) == \
        (MentoringSession.Status.DONE, 25, "code_review", mentor, at)
    assert SessionNote.unscoped.get(session=session).text == "Talked about retries."
    assert sorted(NextStep.unscoped.filter(session=session).values_list("title", "owner", "kind")) == [
        ("Add a retry test", session.mentee_id, "code_review"), ("Draft the RFC", session.mentee_id, "code_review")]


def test_the_mentee_may_log_too(session, mentee):
    log(session, mentee)
    session.refresh_from_db()
    assert session.logged_by == mentee


def test_minutes_outside_the_policy_are_refused_with_the_bounds_in_the_message(session, mentor):
    with pytest.raises(DomainError) as error:
        log(session, mentor, actual_minutes=45)
    assert error.value.errors == {"actual_minutes": ["Sessions last 15–30 minutes in Acme; you entered 45."]}


def test_a_narrowed_policy_refuses_what_the_default_allows(session, mentor, org_a):
    org_a.session_min_minutes, org_a.session_max_minutes = 20, 25
    org_a.save()
    mentor.organization = org_a
    with pytest.raises(DomainError) as error:
        log(session, mentor, actual_minutes=15)
    assert error.value.errors["actual_minutes"] == ["Sessions last 20–25 minutes in Acme; you entered 15."]


def test_a_session_without_a_next_step_is_refused_and_nothing_is_saved(session, mentor):
    with pytest.raises(DomainError) as error:
        log(session, mentor, next_steps=[])
    assert error.value.errors == {"next_steps": [NO_NEXT_STEP]}
    session.refresh_from_db()
    assert session.status == MentoringSession.Status.BOOKED
    assert not SessionNote.unscoped.filter(session=session).exists()


def test_every_problem_is_reported_at_once(session, mentor):
    with pytest.raises(DomainError) as error:
        log(session, mentor, actual_minutes=5, outcome_type="nonsense", next_steps=[])
    assert set(error.value.errors) == {"actual_minutes", "outcome_type", "next_steps"}


def test_a_next_step_needs_a_title(session, mentor):
    drafts = steps_for(session, "Write it down", "  ")
    with pytest.raises(DomainError) as error:
        log(session, mentor, next_steps=drafts)
    assert error.value.errors == {"next_steps": ["Next step 2 needs a title."]}


def test_a_next_step_is_owned_by_one_of_the_two_participants(session, mentor, manager):
    draft = NextStepDraft(title="Ask the manager", owner=manager, due_date=date(2030, 1, 7))
    with pytest.raises(DomainError) as error:
        log(session, mentor, next_steps=[draft])
    assert "owner" in error.value.errors["next_steps"][0]


def test_a_next_step_links_only_a_work_item_of_the_mentee(session, mentor):
    foreign = WorkItem.unscoped.create(organization=session.organization, membership=mentor, name="Mentor's epic")
    draft = NextStepDraft(title="Review", owner=session.mentee, due_date=date(2030, 1, 7), work_item=foreign)
    with pytest.raises(DomainError):
        log(session, mentor, next_steps=[draft])


def test_a_work_item_of_the_mentee_is_linked(session, mentor):
    item = WorkItem.unscoped.create(organization=session.organization, membership=session.mentee, name="Payments v2")
    draft = NextStepDraft(title="Review", owner=session.mentee, due_date=date(2030, 1, 7), work_item=item)
    log(session, mentor, next_steps=[draft])
    assert NextStep.unscoped.get(session=session).work_item == item


@pytest.mark.parametrize("role", ["manager", "hr", "other_mentee"])
def test_only_the_two_participants_may_log(session, role, manager, hr, org_a):
    actor = {"manager": manager, "hr": hr,
             "other_mentee": MembershipFactory(organization=org_a, is_mentee=True)}[role]
    with pytest.raises(NotPermitted):
        log(session, actor)
    session.refresh_from_db()
    assert session.status == MentoringSession.Status.BOOKED


def test_logging_twice_is_a_conflict(session, mentor, mentee):
    log(session, mentor)
    with pytest.raises(Conflict):
        log(session, mentee)
    assert NextStep.unscoped.filter(session=session).count() == 1


def test_a_cancelled_session_cannot_be_logged(org_a, mentor, mentee):
    cancelled = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee,
                                        status=MentoringSession.Status.CANCELLED)
    with pytest.raises(Conflict):
        log(cancelled, mentor)


def test_a_session_that_has_not_started_cannot_be_logged(org_a, mentor, mentee):
    start = datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)
    future = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, start=start)
    with pytest.raises(DomainError) as error:
        log(future, mentor, now=start - timedelta(minutes=1))
    assert "not started" in error.value.first_message
    future.refresh_from_db()
    assert future.status == MentoringSession.Status.BOOKED


def test_a_session_that_started_can_be_logged_before_it_ends(org_a, mentor, mentee):
    start = datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)
    running = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, start=start)
    log(running, mentor, now=start + timedelta(minutes=20))
    running.refresh_from_db()
    assert running.status == MentoringSession.Status.DONE


def test_participants_edit_the_notes_and_nobody_else(session, mentor, mentee, manager):
    session_note_update(actor=mentee, session=session, text="My notes")
    session_note_update(actor=mentor, session=session, text="Our notes")
    with pytest.raises(NotPermitted):
        session_note_update(actor=manager, session=session, text="Peeking")
    assert SessionNote.unscoped.get(session=session).text == "Our notes"
