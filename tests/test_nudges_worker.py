"""Nudge delivery through a real Celery worker on Redis against the test
database: exactly one email and one notification, also when the worker is
killed mid-run, every task is enqueued twice and two sweeps race."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from sessions_app.models import NextStep, Notification, Nudge
from sessions_app.services.nudges import nudge_sweep, nudges_due
from sessions_app.tasks_nudges import deliver_due_nudges, deliver_nudge, sweep_nudges
from tests.factories import MembershipFactory
from tests.factories_nudges import always_working
from tests.factories_sessions import MentoringSessionFactory, NextStepFactory
from tests.worker_fixture import start_worker  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def tomorrow_of(member):
    return timezone.now().astimezone(ZoneInfo(member.time_zone)).date() + timedelta(days=1)


def long_ago():
    """A session a month back: long past any session or survey nudge, so only the next steps count."""
    return timezone.now() - timedelta(days=30)


def sent(org) -> int:
    return Nudge.objects.for_org(org).filter(status=Nudge.Status.SENT).count()


def notifications(org) -> list:
    return list(Notification.objects.for_org(org).values_list("nudge_id", flat=True))


def test_a_due_next_step_reaches_its_owner_once_by_email_and_in_app_through_a_real_worker(
        start_worker, org_a, mentor, mentee):
    always_working(mentee)
    NextStepFactory(session__organization=org_a, session__mentor=mentor, session__mentee=mentee,
                    session__start=long_ago(), due_date=tomorrow_of(mentee))
    worker = start_worker()

    worker.send(sweep_nudges)  # what the beat sends: it fans out one sweep per organisation
    worker.wait_until(lambda: Nudge.objects.for_org(org_a).exists(), "the sweep's nudge")
    nudge = Nudge.objects.for_org(org_a).get()
    worker.send(deliver_due_nudges)
    worker.send(deliver_due_nudges)  # two beats in a row
    worker.send(deliver_nudge, str(nudge.pk))  # and a stray repeat
    worker.wait_until(lambda: worker.queued() == 0 and sent(org_a) == 1, "the delivery")
    worker.stop()  # a warm shutdown finishes whatever it holds

    assert worker.emails() == [str(nudge.pk)]
    assert notifications(org_a) == [nudge.pk]
    assert Notification.objects.for_org(org_a).get().recipient == mentee


N = 60


def test_chaos_killed_worker_doubled_tasks_and_racing_sweeps_still_deliver_each_nudge_exactly_once(
        start_worker, org_a, mentor):
    owners = MembershipFactory.create_batch(6, organization=org_a, is_mentee=True)
    for owner in owners:
        always_working(owner)
    session = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=owners[0], logged=True,
                                      start=long_ago())
    NextStep.unscoped.bulk_create([
        NextStep(organization=org_a, session=session, owner=owners[i % 6], title=f"Step {i}",
                 due_date=tomorrow_of(owners[0])) for i in range(N)])

    start = threading.Barrier(2)

    def sweep():
        start.wait()
        try:
            nudge_sweep(org=org_a)
        finally:
            connection.close()  # this thread's own connection

    racers = [threading.Thread(target=sweep) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert Nudge.objects.for_org(org_a).count() == N

    worker = start_worker(concurrency=4)
    due = nudges_due()
    for nudge_id in due + due:  # every deliver task enqueued twice
        worker.send(deliver_nudge, nudge_id)
    worker.wait_until(lambda: len(notifications(org_a)) >= 3, "the first deliveries", timeout=120)
    worker.kill()  # SIGKILL mid-run: no warm shutdown, held tasks never acked
    delivered_when_killed = sent(org_a)

    worker.start()
    worker.send(deliver_due_nudges)  # the next beat re-enqueues whatever the dead worker held
    worker.wait_until(lambda: sent(org_a) == N and worker.queued() == 0, "every delivery", timeout=180)
    worker.stop()

    assert delivered_when_killed < N, "the kill came after the run: it proved nothing"
    assert sorted(worker.emails()) == sorted(due)
    assert sorted(map(str, notifications(org_a))) == sorted(due)
