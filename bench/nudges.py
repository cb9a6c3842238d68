"""Nudges: the real sweep over 100,000 due next steps beside one bulk UPDATE.

In the bench database, inside one transaction that is rolled back: a scratch
org gets 2,000 mentees and 100,000 open next steps due tomorrow (one
INSERT … SELECT generate_series). Timed: ``nudge_sweep_next_steps_due`` — the
production code path, which streams the candidates, loads the owners' windows
per batch, computes each owner's right moment and inserts the nudges with
INSERT … ON CONFLICT DO NOTHING — then, on the same rows in the same run, one
bulk ``UPDATE`` (the floor: Postgres touching every row once, no Python). The
figure is rows per second of each and their ratio; the goal is the issue's
"100,000 due next steps swept in seconds, not minutes" (< 10 s).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .common import figure

ROWS = 100_000
OWNERS = 2_000
NOW = datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc)  # a Tuesday, 12:00 in Berlin: a working hour
GOAL_SECONDS = 10.0


class _Rollback(Exception):
    pass


def _seed(rows: int, owners: int):
    from mentoring.models import Membership
    from sessions_app.models import MentoringSession
    from tests.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug=f"bench-n-{uuid.uuid4().hex[:8]}", name="Bench nudges")
    mentor = MembershipFactory(organization=org, is_mentor=True)
    people = Membership.unscoped.bulk_create([
        Membership(organization=org, email=f"owner{i}@bench.example", display_name=f"Owner {i}", is_mentee=True,
                   time_zone="Europe/Berlin") for i in range(owners)], batch_size=2000)
    session = MentoringSession.unscoped.create(
        organization=org, mentor=mentor, mentee=people[0], start=NOW - timedelta(days=7),
        end=NOW - timedelta(days=7) + timedelta(minutes=30), status=MentoringSession.Status.DONE, actual_minutes=30,
        logged_at=NOW - timedelta(days=7))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sessions_app_nextstep (id, organization_id, session_id, owner_id, title, kind, due_date, "
            "created_at, sequence) SELECT gen_random_uuid(), %s, %s, (%s::uuid[])[1 + i %% %s], "
            "'Bench step ' || i, 'other', %s, now(), 0 FROM generate_series(0, %s - 1) AS i",
            [org.pk, session.pk, [p.pk for p in people], owners, (NOW + timedelta(days=1)).date(), rows])
        cursor.execute("ANALYZE sessions_app_nextstep")
    return org


def _measure(ctx) -> list[dict]:
    from sessions_app.models import Nudge
    from sessions_app.services.nudges import nudge_sweep_next_steps_due

    scale = getattr(ctx, "scale", 1.0) or 1.0
    rows, owners = max(100, int(ROWS * scale)), max(10, int(OWNERS * scale))
    org = _seed(rows, owners)

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        seen = nudge_sweep_next_steps_due(org=org, now=NOW)
    sweep_s = time.perf_counter() - started
    created = Nudge.objects.for_org(org).count()

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sessions_app_nextstep SET sequence = sequence + 1 "
                       "WHERE organization_id = %s AND done_at IS NULL AND due_date = %s",
                       [org.pk, (NOW + timedelta(days=1)).date()])
        updated = cursor.rowcount
    update_s = time.perf_counter() - started

    sweep_rate, update_rate = rows / sweep_s, updated / update_s
    goal_rate = ROWS / GOAL_SECONDS
    return [
        figure("nudges.sweep_per_s", round(sweep_rate), "due next steps/s", baseline=round(update_rate),
               goal=f"≥ {goal_rate:,.0f}/s (100,000 in < {GOAL_SECONDS:g} s)", met=sweep_rate >= goal_rate,
               note=f"{rows:,} due next steps, {owners:,} owners: sweep {sweep_s:.2f} s "
                    f"({len(captured)} queries) vs one bulk UPDATE {update_s:.2f} s; baseline = the UPDATE",
               digits=3),
        figure("nudges.sweep_s", round(sweep_s, 2), "s", baseline=round(update_s, 3),
               goal=f"< {GOAL_SECONDS:g} s at 100,000", met=sweep_s * (ROWS / rows) < GOAL_SECONDS),
        figure("nudges.nudges_created", created, "nudges", baseline=rows, goal="= due next steps",
               met=created == seen == rows),
    ]


def run(ctx=None) -> list[dict]:
    """Everything the section writes is rolled back."""
    result: list[dict] = []
    try:
        with transaction.atomic():
            result = _measure(ctx)
            raise _Rollback
    except _Rollback:
        pass
    return result
