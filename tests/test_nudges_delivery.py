"""Delivering nudges in-process (the Celery path has its own tests with a
real worker): channels, the claim, cancellation, failures and the right moment."""

from __future__ import annotations

import socket
from datetime import date, datetime, time, timedelta, timezone

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone as dj_timezone

from mentoring.errors import DomainError
from sessions_app.models import NextStep, Notification, Nudge, NudgeKind, NudgePreference
from sessions_app.services.nudges import (MAX_ATTEMPTS, RETRY_BASE, nudge_claim, nudge_deliver, nudge_sweep,
                                          nudge_unsubscribe, nudges_due, unsubscribe_token)
from tests.factories_nudges import NudgeFactory, focus_block
from tests.factories_sessions import NextStepFactory

UTC = timezone.utc


def notifications_of(member) -> list[Notification]:
    return list(Notification.objects.for_org(member.organization).filter(recipient=member))


def reloaded(nudge: Nudge) -> Nudge:
    return Nudge.objects.for_org(nudge.organization).get(pk=nudge.pk)


def test_a_due_nudge_becomes_one_notification_and_one_email_with_text_and_html(org_a, mentee):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)

    outcome = nudge_deliver(nudge_id=nudge.pk)

    (notification,) = notifications_of(mentee)
    (email,) = mail.outbox
    assert outcome == "sent" and reloaded(nudge).status == Nudge.Status.SENT
    assert notification.title == f"Due tomorrow: {nudge.payload['title']}"
    assert notification.link == f"/o/acme/next-steps/#step-{nudge.subject_id}"
    assert email.to == [mentee.email] and email.subject == f"[Touchpoint] {notification.title}"
    html = email.alternatives[0][0]
    assert f"http://127.0.0.1:8000/o/acme/next-steps/#step-{nudge.subject_id}" in email.body
    assert f"/o/acme/next-steps/#step-{nudge.subject_id}" in html
    assert "/unsubscribe/" in email.body and "/unsubscribe/" in html
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_delivering_twice_sends_once(org_a, mentee):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)

    outcomes = [nudge_deliver(nudge_id=nudge.pk), nudge_deliver(nudge_id=nudge.pk)]

    assert outcomes == ["sent", "skipped"]
    assert (len(mail.outbox), len(notifications_of(mentee))) == (1, 1)


def test_the_claim_succeeds_for_exactly_one_caller_and_not_before_the_moment(org_a, mentee):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)
    now = dj_timezone.now()

    with transaction.atomic():
        too_early = nudge_claim(nudge=nudge, now=nudge.deliver_after - timedelta(seconds=1))
        claims = [nudge_claim(nudge=nudge, now=now), nudge_claim(nudge=nudge, now=now)]

    assert (too_early, claims) == (False, [True, False])


def test_a_next_step_done_before_delivery_cancels_its_nudge(org_a, mentee):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)
    NextStep.objects.for_org(org_a).filter(pk=nudge.subject_id).update(done_at=dj_timezone.now())

    assert nudge_deliver(nudge_id=nudge.pk) == "cancelled"
    assert reloaded(nudge).status == Nudge.Status.CANCELLED
    assert (mail.outbox, notifications_of(mentee)) == ([], [])


def test_unsubscribing_after_the_nudge_was_made_cancels_its_delivery(org_a, mentee):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)

    nudge_unsubscribe(token=unsubscribe_token(membership=mentee, kind=NudgeKind.NEXT_STEP_DUE))

    assert nudge_deliver(nudge_id=nudge.pk) == "cancelled"
    assert reloaded(nudge).last_error == "unsubscribed"
    assert (mail.outbox, notifications_of(mentee)) == ([], [])


@pytest.mark.parametrize(("email", "in_app", "emails", "notifications"),
                         [(False, True, 0, 1), (True, False, 1, 0)])
def test_each_channel_follows_the_persons_choice(org_a, mentee, email, in_app, emails, notifications):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)
    NudgePreference.unscoped.create(organization=org_a, membership=mentee, kind=nudge.kind, email=email,
                                    in_app=in_app)

    nudge_deliver(nudge_id=nudge.pk)

    assert (len(mail.outbox), len(notifications_of(mentee))) == (emails, notifications)


def test_a_forged_unsubscribe_token_is_refused(mentee):
    token = unsubscribe_token(membership=mentee, kind=NudgeKind.NEXT_STEP_DUE)

    with pytest.raises(DomainError):
        nudge_unsubscribe(token=token[:-2] + "xx")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_failing_send_is_retried_with_back_off_then_marked_failed(org_a, mentee):
    nudge = NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee)
    now = dj_timezone.now()

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=closed_port(), EMAIL_TIMEOUT=2):
        first = nudge_deliver(nudge_id=nudge.pk, now=now)
        after_first = reloaded(nudge)
        outcomes = [nudge_deliver(nudge_id=nudge.pk, now=now + timedelta(days=1 + i))
                    for i in range(MAX_ATTEMPTS - 1)]

    assert first == "retrying"
    assert (after_first.status, after_first.attempts, after_first.deliver_after) == \
        (Nudge.Status.PENDING, 1, now + RETRY_BASE)
    assert "ConnectionRefusedError" in after_first.last_error
    assert notifications_of(mentee) == []  # rolled back with the failed send
    assert outcomes[-1] == "failed"
    assert (reloaded(nudge).status, reloaded(nudge).attempts) == (Nudge.Status.FAILED, MAX_ATTEMPTS)


def test_across_the_spring_change_a_nudge_due_in_focus_time_goes_right_after_it_ends_in_berlin(
        org_a, mentor, mentee):
    focus_block(mentee, 0, time(9), time(11))  # Mondays 09–11, Berlin
    NextStepFactory(session__organization=org_a, session__mentor=mentor, session__mentee=mentee,
                    due_date=date(2026, 3, 30))
    saturday_night = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # Sunday 00:30 CET; at 03:00 it is CEST
    nudge_sweep(org=org_a, now=saturday_night)
    (nudge,) = Nudge.objects.for_org(org_a)
    end_of_focus = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # Monday 11:00 CEST

    before = (nudges_due(now=end_of_focus - timedelta(minutes=1)),
              nudge_deliver(nudge_id=nudge.pk, now=end_of_focus - timedelta(minutes=1)))
    after = (nudges_due(now=end_of_focus), nudge_deliver(nudge_id=nudge.pk, now=end_of_focus))

    assert (nudge.status, nudge.deliver_after) == (Nudge.Status.DEFERRED, end_of_focus)
    assert before == ([], "skipped")
    assert after == ([str(nudge.pk)], "sent")
    assert len(mail.outbox) == 1 and reloaded(nudge).sent_at == end_of_focus
