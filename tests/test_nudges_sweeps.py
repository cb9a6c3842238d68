"""The sweeps that create nudges: which kinds, for whom, once, and in a
number of queries that does not grow with the rows swept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app.models import NextStep, Nudge, NudgeKind, NudgePreference, OrgNudgeSetting
from sessions_app.services.nudges import (nudge_sweep, nudge_sweep_next_steps_due, nudge_sweep_next_steps_overdue,
                                          nudge_sweep_sessions_unlogged, nudge_sweep_surveys_pending)
from tests.factories import MembershipFactory
from tests.factories_nudges import focus_block
from tests.factories_sessions import MentoringSessionFactory, NextStepFactory, SurveyResponseFactory

UTC = timezone.utc
TUESDAY_NOON = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)  # 12:00 in Berlin, a working hour


def step_of(mentor, mentee, due: date, **extra) -> NextStep:
    return NextStepFactory(session__organization=mentee.organization, session__mentor=mentor,
                           session__mentee=mentee, due_date=due, **extra)


def nudges(org, **lookup) -> list[Nudge]:
    return list(Nudge.objects.for_org(org).filter(**lookup).order_by("period"))


def test_a_next_step_due_tomorrow_gives_its_owner_one_nudge_at_once_in_working_hours(org_a, mentor, mentee):
    step = step_of(mentor, mentee, date(2026, 4, 1))

    nudge_sweep_next_steps_due(org=org_a, now=TUESDAY_NOON)

    (nudge,) = nudges(org_a)
    assert (nudge.kind, nudge.recipient, nudge.subject_id, nudge.period) == \
        (NudgeKind.NEXT_STEP_DUE, mentee, step.pk, "2026-04-01")
    assert (nudge.status, nudge.deliver_after) == (Nudge.Status.PENDING, TUESDAY_NOON)
    assert nudge.payload == {"title": step.title, "due": "2026-04-01"}


def test_sweeping_again_and_again_creates_each_nudge_once(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 4, 1))

    for minutes in (0, 5, 10):
        nudge_sweep(org=org_a, now=TUESDAY_NOON + timedelta(minutes=minutes))

    assert len(nudges(org_a)) == 1


def test_steps_due_later_or_already_done_are_not_nudged_as_due_tomorrow(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 4, 2))
    step_of(mentor, mentee, date(2026, 4, 1), done_at=TUESDAY_NOON - timedelta(hours=1))

    nudge_sweep_next_steps_due(org=org_a, now=TUESDAY_NOON)

    assert nudges(org_a) == []


def test_tomorrow_is_the_owners_tomorrow_in_their_own_zone(org_a, mentor):
    # 10:00 UTC on Tuesday is already Tuesday night 23:00 in Auckland: Thursday is their tomorrow.
    kiwi = MembershipFactory(organization=org_a, is_mentee=True, time_zone="Pacific/Auckland")
    step_of(mentor, kiwi, date(2026, 4, 1))
    thursday = step_of(mentor, kiwi, date(2026, 4, 2))

    nudge_sweep_next_steps_due(org=org_a, now=TUESDAY_NOON + timedelta(hours=3))

    assert [n.subject_id for n in nudges(org_a)] == [thursday.pk]


def test_an_overdue_step_is_nudged_one_three_and_seven_days_late_then_never_again(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 3, 30))

    for day in range(0, 15):
        nudge_sweep_next_steps_overdue(org=org_a, now=TUESDAY_NOON + timedelta(days=day))

    assert [n.period for n in nudges(org_a, kind=NudgeKind.NEXT_STEP_OVERDUE)] == \
        ["2026-03-30#1", "2026-03-30#2", "2026-03-30#3"]
    assert [n.payload["reminder"] for n in nudges(org_a)] == [1, 2, 3]


def test_a_missed_overdue_stage_is_caught_up_once_not_all_at_once(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 3, 27))  # four days late on Tuesday: the 3-day stage is current

    nudge_sweep_next_steps_overdue(org=org_a, now=TUESDAY_NOON)

    assert [n.period for n in nudges(org_a)] == ["2026-03-27#2"]


def test_a_session_not_logged_two_hours_after_it_ended_nudges_its_mentor_once(org_a, mentor, mentee):
    now = TUESDAY_NOON
    late = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee,
                                   start=now - timedelta(hours=3), end=now - timedelta(hours=2, minutes=30))
    MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee,  # ended an hour ago: not yet
                            start=now - timedelta(hours=1, minutes=30), end=now - timedelta(hours=1))
    MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee,  # too old to bother about
                            start=now - timedelta(days=9), end=now - timedelta(days=9) + timedelta(minutes=30))
    MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True,
                            start=now - timedelta(hours=5), end=now - timedelta(hours=4, minutes=30))

    nudge_sweep_sessions_unlogged(org=org_a, now=now)
    nudge_sweep_sessions_unlogged(org=org_a, now=now + timedelta(minutes=30))  # sweeps repeat

    (nudge,) = nudges(org_a)
    assert (nudge.recipient, nudge.subject_id, nudge.period) == (mentor, late.pk, "")
    assert nudge.due_at == late.end + timedelta(hours=2)
    assert nudge.payload["other"] == mentee.display_name


def test_a_survey_unanswered_after_a_day_nudges_only_the_participant_who_has_not_answered(org_a, mentor, mentee):
    now = TUESDAY_NOON
    session = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True,
                                      start=now - timedelta(days=2),
                                      end=now - timedelta(days=2) + timedelta(minutes=30),
                                      logged_at=now - timedelta(hours=25))
    SurveyResponseFactory(session=session, respondent=mentee)

    nudge_sweep_surveys_pending(org=org_a, now=now)

    (nudge,) = nudges(org_a)
    assert (nudge.kind, nudge.recipient, nudge.subject_id) == (NudgeKind.SURVEY_PENDING, mentor, session.pk)


def test_a_kind_switched_off_for_the_organisation_creates_no_nudges(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 4, 1))
    OrgNudgeSetting.unscoped.create(organization=org_a, kind=NudgeKind.NEXT_STEP_DUE, enabled=False)

    seen = nudge_sweep(org=org_a, now=TUESDAY_NOON)

    assert seen[NudgeKind.NEXT_STEP_DUE] == 0
    assert nudges(org_a) == []


def test_unsubscribing_from_a_kind_stops_the_sweep_creating_it(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 4, 1))
    NudgePreference.unscoped.create(organization=org_a, membership=mentee, kind=NudgeKind.NEXT_STEP_DUE,
                                    email=False, in_app=False)

    nudge_sweep(org=org_a, now=TUESDAY_NOON)

    assert nudges(org_a) == []


def test_turning_email_off_keeps_the_nudge_for_the_notification_centre(org_a, mentor, mentee):
    step_of(mentor, mentee, date(2026, 4, 1))
    NudgePreference.unscoped.create(organization=org_a, membership=mentee, kind=NudgeKind.NEXT_STEP_DUE,
                                    email=False, in_app=True)

    nudge_sweep(org=org_a, now=TUESDAY_NOON)

    assert len(nudges(org_a)) == 1


def test_a_nudge_due_in_a_focus_block_is_deferred_to_its_end(org_a, mentor, mentee):
    focus_block(mentee, 1, time(11), time(13))  # Tuesdays 11–13 Berlin
    step_of(mentor, mentee, date(2026, 4, 1))

    nudge_sweep(org=org_a, now=TUESDAY_NOON)

    (nudge,) = nudges(org_a)
    assert nudge.status == Nudge.Status.DEFERRED
    assert nudge.deliver_after == datetime(2026, 3, 31, 11, 0, tzinfo=UTC)  # 13:00 CEST


def test_an_outsiders_organisation_is_not_swept_with_ours(org_a, mentor, mentee, outsider):
    step_of(mentor, mentee, date(2026, 4, 1))

    nudge_sweep(org=outsider.organization, now=TUESDAY_NOON)

    assert nudges(org_a) == []


def sweep_queries(org, now) -> int:
    with CaptureQueriesContext(connection) as queries:
        nudge_sweep(org=org, now=now)
    return len(queries)


@pytest.mark.slow
def test_the_sweep_runs_the_same_queries_for_ten_or_five_hundred_due_next_steps(org_a, org_b):
    def populate(org, count: int):
        mentor_there = MembershipFactory(organization=org, is_mentor=True)
        owners = MembershipFactory.create_batch(min(count, 50), organization=org, is_mentee=True, user=None)
        session = MentoringSessionFactory(organization=org, mentor=mentor_there, mentee=owners[0], logged=True)
        NextStep.unscoped.bulk_create([
            NextStep(organization=org, session=session, owner=owners[i % len(owners)], title=f"Step {i}",
                     due_date=date(2026, 4, 1)) for i in range(count)])
        return org

    small, large = populate(org_a, 10), populate(org_b, 500)

    # Kinds switched off: 1. Due tomorrow: the candidates, then per batch of up to 2,000 the owners'
    # working windows, focus blocks and the insert (savepoint, temporary table made and emptied, rows by
    # COPY — not a query Django sees —, one INSERT … SELECT, release): 8. Overdue, not logged: 1 each.
    # Surveys: 2 (both roles).
    # Quiet mentees: 1. Stalled pairs: 2 (pairs, managers). Mentor load: 4 (held sessions, mentors, this
    # week's sessions, managers). Weekly digest (a Tuesday still catches up): 16 the first time, savepoints included.
    # Trial ending (external mentors): 1, no trials here.
    assert sweep_queries(small, TUESDAY_NOON) == sweep_queries(large, TUESDAY_NOON) == 13 + 1 + 2 + 4 + 16 + 1
    assert (Nudge.objects.for_org(small).count(), Nudge.objects.for_org(large).count()) == (10, 500)


def test_payload_text_survives_the_bulk_insert_whatever_its_characters(org_a, mentor, mentee):
    title = 'Move C:\\temp\\new to "shared"\twith\nnotes — ü ✓'
    step_of(mentor, mentee, date(2026, 4, 1), title=title)

    nudge_sweep_next_steps_due(org=org_a, now=TUESDAY_NOON)

    (nudge,) = nudges(org_a)
    assert nudge.payload["title"] == title
