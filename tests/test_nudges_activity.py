"""The managers' observability page: nudges sent / deferred / failed per kind
per week (one aggregate query, weeks in the org's zone), failed sends with
their error and a retry action."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone as dj_timezone

from sessions_app.models import Nudge, NudgeKind
from sessions_app.selectors.nudge_activity import nudge_activity
from sessions_app.services.nudges import nudge_deliver
from tests.factories_nudges import NudgeFactory

UTC = timezone.utc
NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


def nudge_of(member, due_at: datetime, status: str, kind: str = NudgeKind.NEXT_STEP_DUE, **extra) -> Nudge:
    return NudgeFactory(step__session__organization=member.organization, step__session__mentee=member,
                        kind=kind, due_at=due_at, deliver_after=due_at, status=status, **extra)


def test_nudges_are_counted_per_kind_per_week_of_the_orgs_zone_in_one_query(org_a, mentee, django_assert_num_queries):
    for status in ("sent", "sent", "deferred"):
        nudge_of(mentee, datetime(2026, 3, 24, 10, 0, tzinfo=UTC), status)
    nudge_of(mentee, datetime(2026, 3, 25, 10, 0, tzinfo=UTC), "failed", NudgeKind.SESSION_UNLOGGED)
    nudge_of(mentee, datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "sent")  # Monday 00:30 in Berlin: next week
    nudge_of(mentee, datetime(2026, 1, 5, 10, 0, tzinfo=UTC), "sent")  # older than 8 weeks

    with django_assert_num_queries(1):
        rows = nudge_activity(org_a, now=NOW)

    assert [(row["week"], row["kind"], row["sent"], row["deferred"], row["failed"]) for row in rows] == [
        (date(2026, 3, 30), "next_step_due", 1, 0, 0),
        (date(2026, 3, 23), "next_step_due", 2, 1, 0),
        (date(2026, 3, 23), "session_unlogged", 0, 0, 1),
    ]


def page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/o/acme/nudges/activity/")
    assert response.status_code == 200
    return len(captured)


def test_the_page_lists_failed_sends_with_their_error_in_flat_queries(org_a, manager, mentee, client_for):
    client = client_for(manager)
    nudge_of(mentee, dj_timezone.now(), "failed", attempts=5, last_error="SMTPException: mailbox full")
    few = page_queries(client)
    for _ in range(12):
        nudge_of(mentee, dj_timezone.now(), "failed", attempts=5, last_error="SMTPException: mailbox full")

    response = client.get("/o/acme/nudges/activity/")

    assert page_queries(client) == few
    assert "SMTPException: mailbox full" in response.content.decode()
    assert len(response.context["page"].object_list) == 13


def test_a_manager_sends_a_failed_nudge_again(org_a, manager, mentee, client_for):
    nudge = nudge_of(mentee, dj_timezone.now() - timedelta(hours=1), "failed", attempts=5,
                     last_error="SMTPException: mailbox full")

    response = client_for(manager).post(f"/o/acme/nudges/{nudge.pk}/retry/")

    retried = Nudge.objects.for_org(org_a).get(pk=nudge.pk)
    assert response.status_code == 302 and (retried.status, retried.attempts) == ("pending", 0)
    assert nudge_deliver(nudge_id=nudge.pk) == "sent"


def test_only_managers_see_the_activity_page(org_a, mentor, client_for):
    assert client_for(mentor).get("/o/acme/nudges/activity/").status_code == 403
