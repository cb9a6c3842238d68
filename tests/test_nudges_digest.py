"""The weekly digest for the standup: a hand-worked week (across the switch to
summer time in Berlin), its timing on Monday morning in the org's zone, once
per org per week, its recipients, its email and its page."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.models_programs import Cohort
from sessions_app.models import (Kudos, MentoringSession, Notification, Nudge, NudgeKind, NudgePreference,
                                 OrgWebhook, WebhookDelivery, WeeklyDigest)
from sessions_app.selectors.digest import parse_week, weekly_digest
from sessions_app.selectors.nudges import nudge_choices_of
from sessions_app.services.nudges import nudge_deliver, nudge_sweep
from sessions_app.services.nudges_digest import digest_week_due
from tests.factories import MembershipFactory
from tests.factories_programs import CohortFactory, ParticipantFactory
from tests.factories_sessions import KudosFactory, MentoringSessionFactory, NextStepFactory

UTC = timezone.utc
WEEK_13 = date(2026, 3, 23)  # Monday; the week ends Sunday 29 March, when Berlin moves to summer time
MONDAY_8_BERLIN = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 08:00 CEST


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def kudos(giver, receiver, message: str, when: datetime) -> Kudos:
    given = KudosFactory(organization=giver.organization, giver=giver, receiver=receiver, message=message)
    Kudos.unscoped.filter(pk=given.pk).update(created_at=when)
    return given


@pytest.fixture
def week(org_a, mentor, mentee):
    """Week 13 of 2026 in Acme (Europe/Berlin), worked by hand:
    sessions held 2 (mentee, Platform), next steps completed 1 (designer, Design),
    kudos 2 (to the mentor, Coaching; to the mentee, Platform); cohort Spring: mentor and mentee."""
    mentor.team = "Coaching"
    mentor.save()
    designer = MembershipFactory(organization=org_a, is_mentee=True, team="Design", display_name="Dana Designer")
    cohort = CohortFactory(program__organization=org_a, name="Spring", starts_on=date(2026, 3, 2),
                           ends_on=date(2026, 4, 27), status=Cohort.Status.PUBLISHED, published_at=at(2026, 3, 2))
    ParticipantFactory(cohort=cohort, membership=mentee)
    ParticipantFactory(cohort=cohort, membership=mentor, role="mentor")

    def session(start, **extra):
        return MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, start=start, **extra)

    session(at(2026, 3, 23, 9, 0), logged=True)  # Monday 10:00 CET
    session(at(2026, 3, 29, 21, 30), logged=True)  # Sunday 23:30 CEST: still week 13
    session(at(2026, 3, 29, 22, 30), logged=True)  # Monday 00:30 CEST: week 14
    session(at(2026, 3, 22, 22, 30), logged=True)  # Sunday 23:30 CET: week 12
    session(at(2026, 3, 24, 9, 0), status=MentoringSession.Status.CANCELLED)
    session(at(2026, 3, 25, 9, 0))  # booked, never logged: not held
    for done_at in (at(2026, 3, 25, 12, 0), at(2026, 3, 30, 8, 0)):  # the second is in week 14
        NextStepFactory(session__organization=org_a, session__mentor=mentor, session__mentee=designer,
                        owner=designer, done_at=done_at)
    kudos(mentee, mentor, "Thanks for the code review!", at(2026, 3, 26, 10, 0))
    kudos(designer, mentee, "Great intro to the data team", at(2026, 3, 27, 10, 0))
    kudos(designer, mentee, "Next week's", at(2026, 3, 30, 10, 0))
    return designer


def counts(row) -> tuple:
    return row.name, row.sessions, row.steps, row.kudos


def test_the_digest_of_a_week_counts_per_team_and_cohort_in_the_orgs_zone(org_a, week):
    digest = weekly_digest(org_a, WEEK_13)

    assert counts(digest.total) == ("Everyone", 2, 1, 2)
    assert [counts(row) for row in digest.teams] == [("Coaching", 0, 0, 1), ("Design", 0, 1, 0),
                                                     ("Platform", 2, 0, 1)]
    assert [counts(row) for row in digest.cohorts] == [("Spring", 2, 0, 2)]
    assert [k.message for k in digest.shout_outs] == ["Great intro to the data team", "Thanks for the code review!"]


def test_the_digest_reads_its_week_in_a_fixed_number_of_queries(org_a, week, mentor, mentee):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            weekly_digest(org_a, WEEK_13)
        return len(captured)

    before = queries()
    for hour in range(10):
        kudos(mentee, mentor, f"More thanks {hour}", at(2026, 3, 24, hour, 0))
        MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=MembershipFactory(
            organization=org_a, is_mentee=True, team=f"Team {hour}"), start=at(2026, 3, 26, hour, 0), logged=True)

    assert queries() == before == 5


@pytest.mark.parametrize("now, due", [
    (at(2026, 3, 30, 5, 59), None),  # Monday 07:59 in Berlin
    (MONDAY_8_BERLIN, WEEK_13),
    (at(2026, 4, 1, 21, 59), WEEK_13),  # Wednesday 23:59: a beat that was down still catches up
    (at(2026, 4, 1, 22, 0), None),  # Thursday: stale news
    (at(2026, 3, 29, 12, 0), None),  # Sunday
])
def test_the_digest_is_due_from_monday_8_in_the_orgs_zone_until_wednesday(org_a, now, due):
    assert digest_week_due(org_a, now) == due


def test_the_digest_goes_to_managers_and_members_who_opted_in_once_per_week(org_a, manager, mentor, mentee, hr,
                                                                            week):
    NudgePreference.unscoped.create(organization=org_a, membership=mentee, kind=NudgeKind.WEEKLY_DIGEST,
                                    email=False, in_app=True)

    for minutes in (0, 5, 60):
        nudge_sweep(org=org_a, now=MONDAY_8_BERLIN + timedelta(minutes=minutes))

    (digest,) = WeeklyDigest.objects.for_org(org_a)
    found = Nudge.objects.for_org(org_a).filter(kind=NudgeKind.WEEKLY_DIGEST).order_by("recipient__display_name")
    assert (digest.week_start, digest.recipients) == (WEEK_13, 2)
    assert [(n.recipient, n.period, n.subject_id) for n in found] == \
        [(manager, "2026-W13", digest.pk), (mentee, "2026-W13", digest.pk)]


def test_the_digest_email_has_html_and_text_and_waits_for_working_hours(org_a, manager, week):
    nudge_sweep(org=org_a, now=MONDAY_8_BERLIN)
    (nudge,) = Nudge.objects.for_org(org_a).filter(kind=NudgeKind.WEEKLY_DIGEST)

    early = nudge_deliver(nudge_id=nudge.pk, now=MONDAY_8_BERLIN)
    sent = nudge_deliver(nudge_id=nudge.pk, now=at(2026, 3, 30, 7, 0))  # 09:00 CEST, the manager's first hour

    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert (early, sent) == ("skipped", "sent")
    assert email.subject == "[Touchpoint] Weekly digest: week of 23 Mar"
    assert "2 sessions held · 1 next steps completed · 2 kudos" in email.body
    assert "- Design: 0 sessions, 1 next steps, 0 kudos" in email.body
    assert "Dana Designer → Mina Mentee: “Great intro to the data team”" in email.body
    assert "<h2 style=\"font-size:18px;\">Per cohort</h2>" in html and "Spring" in html
    assert "/o/acme/digest/?week=2026-W13" in email.body
    assert Notification.objects.for_org(org_a).get(recipient=manager).link == "/o/acme/digest/?week=2026-W13"


def test_the_digest_is_posted_once_to_the_orgs_webhook_as_slack_json(org_a, manager, week):
    OrgWebhook.unscoped.create(organization=org_a, url="https://hooks.example.test/x", secret="s3cret")

    nudge_sweep(org=org_a, now=MONDAY_8_BERLIN)
    nudge_sweep(org=org_a, now=MONDAY_8_BERLIN + timedelta(minutes=5))

    (post,) = WebhookDelivery.objects.for_org(org_a)
    body = json.loads(post.body)
    assert (post.event, post.period) == ("weekly_digest", "2026-W13")
    assert body["text"].startswith("Acme · Weekly digest: week of 23 Mar: 2 sessions held")
    assert any("Great intro to the data team" in block.get("text", {}).get("text", "") for block in body["blocks"])


def test_members_opt_into_the_digest_managers_get_it_unless_they_opt_out(org_a, manager, mentee, client_for):
    def digest_choice(member):
        return next((c.email, c.in_app) for c in nudge_choices_of(member) if c.kind == NudgeKind.WEEKLY_DIGEST)

    before = digest_choice(mentee), digest_choice(manager)
    client_for(mentee).post("/o/acme/notifications/preferences/", {"weekly_digest-email": "on"})

    assert before == ((False, False), (True, True))
    assert digest_choice(mentee) == (True, False)


def test_the_digest_page_shows_the_chosen_week_in_large_type(org_a, mentee, week, client_for):
    page = client_for(mentee).get("/o/acme/digest/?week=2026-W13")
    fallback = client_for(mentee).get("/o/acme/digest/?week=nonsense")

    text = page.content.decode()
    assert page.status_code == fallback.status_code == 200
    assert page.context["digest"].week_start == WEEK_13 and 'value="2026-W13"' in text
    assert 'class="digest"' in text and "Great intro to the data team" in text
    assert fallback.context["digest"].week_start != WEEK_13


def test_a_week_reads_from_the_week_picker_or_a_date():
    assert parse_week("2026-W13") == WEEK_13
    assert parse_week("2026-03-26") == WEEK_13
    assert parse_week("2026-W99") is None and parse_week("") is None


def test_unsubscribing_from_the_digest_stops_it_from_the_next_week(org_a, manager, week, client):
    nudge_sweep(org=org_a, now=MONDAY_8_BERLIN)
    (first,) = Nudge.objects.for_org(org_a).filter(kind=NudgeKind.WEEKLY_DIGEST)
    nudge_deliver(nudge_id=first.pk, now=at(2026, 3, 30, 7, 0))
    unsubscribe = re.search(r"Stop these: \S+(/unsubscribe/\S+)", mail.outbox[0].body).group(1)

    client.post(unsubscribe)
    nudge_sweep(org=org_a, now=MONDAY_8_BERLIN + timedelta(weeks=1))

    assert WeeklyDigest.objects.for_org(org_a).count() == 2
    assert list(Nudge.objects.for_org(org_a).filter(kind=NudgeKind.WEEKLY_DIGEST)) == [first]
