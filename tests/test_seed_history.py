"""``seed_demo --weeks W``: session history that keeps the product's rules
(no double booking, weekly caps, working hours and focus blocks, a next step
for every logged session), deterministic and idempotent."""

import hashlib
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from mentoring.models import Membership, Organization, User
from sessions_app.models import (FocusBlock, Kudos, MentoringSession, NextStep, SessionNote, SurveyResponse,
                                 TimeClaim, WorkingWindow)
from tests.factories_sessions import MentoringSessionFactory

pytestmark = pytest.mark.django_db

SMALL = ("--orgs", "1", "--people", "40", "--weeks", "4")
Status = MentoringSession.Status


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def org():
    return Organization.objects.get(slug="northwind")


def sessions():
    return MentoringSession.objects.for_org(org()).select_related("mentor", "mentee")


def anchor_start():
    """The start of the org's seed day, in its zone: history ends there."""
    northwind = org()
    zone = ZoneInfo(northwind.time_zone)
    return datetime.combine(northwind.created_at.astimezone(zone).date(), datetime.min.time(), tzinfo=zone)


def table_counts() -> dict:
    return {model.__name__: model.unscoped.count() for model in (
        MentoringSession, TimeClaim, SessionNote, NextStep, SurveyResponse, Kudos, WorkingWindow, FocusBlock)}


@pytest.fixture
def seeded():
    return seed(*SMALL)


def test_four_weeks_bring_sessions_next_steps_surveys_kudos_and_availability(seeded):
    counts = table_counts()
    statuses = Counter(sessions().values_list("status", flat=True))

    assert statuses[Status.DONE] > 10 and statuses[Status.BOOKED] > 0
    assert all(counts[name] > 0 for name in counts), counts
    assert "Session history: 4 week(s)" in seeded


def test_a_longer_history_has_cancellations_no_shows_and_steps_done_late_or_still_open():
    seed("--orgs", "1", "--people", "120", "--weeks", "8")
    reasons = Counter(sessions().filter(status=Status.CANCELLED).values_list("cancel_reason", flat=True))
    steps = list(NextStep.objects.for_org(org()).values_list("due_date", "done_at"))
    today = anchor_start().date()

    assert reasons["No-show"] > 0 and sum(reasons.values()) > reasons["No-show"]
    on_time = [due for due, done in steps if done and done.date() <= due]
    late = [due for due, done in steps if done and done.date() > due]
    overdue = [due for due, done in steps if done is None and due < today]
    assert len(on_time) > len(late) > 0 and len(overdue) > 0


def test_no_person_has_overlapping_active_claims(seeded):
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM sessions_app_timeclaim a JOIN sessions_app_timeclaim b
              ON a.membership_id = b.membership_id AND a.id < b.id
             WHERE a.active AND b.active AND a.start < b."end" AND b.start < a."end" """)
        assert cursor.fetchone()[0] == 0
    claims = TimeClaim.objects.for_org(org())
    assert claims.count() == 2 * sessions().count()
    assert not claims.filter(active=True, session__status=Status.CANCELLED).exists()


def test_no_mentee_has_more_than_two_sessions_in_an_iso_week_nor_a_mentor_over_their_cap(seeded):
    mentee_weeks, mentor_weeks = Counter(), Counter()
    for session in sessions():
        for person, weeks in ((session.mentee, mentee_weeks), (session.mentor, mentor_weeks)):
            weeks[person.pk, session.start.astimezone(ZoneInfo(person.time_zone)).isocalendar()[:2]] += 1

    assert max(mentee_weeks.values()) == org().mentee_weekly_cap == 2
    assert max(mentor_weeks.values()) <= org().mentor_weekly_cap


def test_every_logged_session_has_a_next_step_and_minutes_within_policy(seeded):
    steps = NextStep.objects.for_org(org()).filter(session=OuterRef("pk"))
    done = sessions().filter(status=Status.DONE).annotate(has_step=Exists(steps))

    assert done.exists() and not done.filter(has_step=False).exists()
    assert {s.actual_minutes for s in done} <= set(range(15, 31))
    assert {s.minutes for s in sessions()} <= {15, 20, 25, 30}


def _windows(person, model):
    return list(model.objects.for_org(person.organization).filter(membership=person)
                .values_list("weekday", "start", "end"))


def test_sessions_lie_inside_both_people_s_working_windows_and_outside_focus_blocks(seeded):
    for session in sessions():
        for person in (session.mentor, session.mentee):
            zone = ZoneInfo(person.time_zone)
            start, end = session.start.astimezone(zone), session.end.astimezone(zone)
            windows = _windows(person, WorkingWindow) or [
                (day, person.working_hours_start, person.working_hours_end) for day in range(5)]
            assert any(day == start.weekday() and s <= start.time() and end.time() <= e for day, s, e in windows), \
                (session, person)
            assert not any(day == start.weekday() and start.time() < e and s < end.time()
                           for day, s, e in _windows(person, FocusBlock)), (session, person)


def test_history_ends_at_the_seed_date_and_only_booked_sessions_lie_ahead(seeded):
    cutoff, now = anchor_start(), timezone.now()
    past = sessions().filter(end__lte=cutoff)
    ahead = sessions().filter(start__gte=cutoff + timedelta(days=1))

    assert past.count() + ahead.count() == sessions().count()
    assert ahead.exists() and set(ahead.values_list("status", flat=True)) == {Status.BOOKED}
    assert not sessions().filter(start__lt=cutoff - timedelta(weeks=4)).exists()
    assert not NextStep.objects.for_org(org()).filter(done_at__gt=now).exists()
    assert not sessions().filter(logged_at__gt=now).exists()
    assert not Kudos.objects.for_org(org()).filter(created_at__gt=now).exists()


def test_surveys_are_mostly_useful_and_next_steps_mostly_owned_by_mentees(seeded):
    scores = Counter(SurveyResponse.objects.for_org(org()).values_list("usefulness", flat=True))
    steps = NextStep.objects.for_org(org()).select_related("session")

    assert scores[4] + scores[5] > sum(scores.values()) / 2
    assert sum(step.owner_id == step.session.mentee_id for step in steps) > steps.count() / 2


def test_the_demo_mentor_and_mentee_are_a_pair_with_past_and_upcoming_sessions(seeded):
    members = Membership.objects.for_org(org())
    mentor, mentee = members.get(email="mentor@northwind.example"), members.get(email="mentee@northwind.example")
    theirs = sessions().filter(mentor=mentor, mentee=mentee)

    assert theirs.filter(status=Status.DONE).exists()
    assert theirs.filter(status=Status.BOOKED, start__gt=timezone.now()).exists()


def test_a_second_run_adds_nothing(seeded):
    before = table_counts()

    again = seed(*SMALL)

    assert table_counts() == before
    assert "has session history already: left alone" in again


def test_an_org_with_real_bookings_is_left_alone():
    seed("--orgs", "1", "--people", "10", "--weeks", "0")
    members = Membership.objects.for_org(org())
    MentoringSessionFactory(organization=org(), mentor=members.get(email="mentor@northwind.example"),
                            mentee=members.get(email="mentee@northwind.example"))

    seed(*SMALL)

    assert sessions().count() == 1 and not NextStep.objects.for_org(org()).exists()


def test_zero_weeks_seed_no_history():
    seed("--orgs", "1", "--people", "10", "--weeks", "0")

    assert set(table_counts().values()) == {0}


def history_digest() -> str:
    """Session times and outcomes, steps and kudos, by people's emails (row ids of people differ per database)."""
    digest = hashlib.sha256()
    for row in sessions().order_by("start", "mentor__email").values_list(
            "id", "mentor__email", "mentee__email", "start", "end", "status", "cancel_reason", "actual_minutes",
            "outcome_type", "logged_at"):
        digest.update(repr(row).encode())
    for row in NextStep.objects.for_org(org()).order_by("id").values_list("id", "owner__email", "title", "due_date",
                                                                         "done_at"):
        digest.update(repr(row).encode())
    for row in Kudos.objects.for_org(org()).order_by("id").values_list("giver__email", "receiver__email", "message",
                                                                      "created_at"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def wipe() -> None:
    """A fresh database, as far as the seed can tell."""
    MentoringSession.unscoped.all().delete()  # first: people are PROTECTed by their sessions
    Organization.objects.all().delete()
    User.objects.all().delete()


def test_two_fresh_databases_get_the_same_history():
    seed(*SMALL)
    first = history_digest()
    wipe()
    assert not MentoringSession.unscoped.exists()

    seed(*SMALL)

    assert sessions().exists() and history_digest() == first


def test_another_seed_gives_another_history():
    seed(*SMALL)
    first = history_digest()
    wipe()

    seed(*SMALL, "--seed", "7")

    assert history_digest() != first
