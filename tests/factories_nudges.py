"""Test helpers of nudges: people's weekly windows and nudge rows."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from sessions_app.models import FocusBlock, Nudge, NudgeKind, WorkingWindow
from tests.factories import ModelFactory
from tests.factories_sessions import NextStepFactory

END_OF_DAY = time(23, 59, 59, 999999)


def window(model, member, weekday: int, start: time, end: time):
    return model.unscoped.create(organization=member.organization, membership=member, weekday=weekday,
                                 start=start, end=end)


def focus_block(member, weekday: int, start: time, end: time) -> FocusBlock:
    return window(FocusBlock, member, weekday, start, end)


def always_working(member) -> None:
    """Working every day, all day: a nudge goes the moment it is due (for tests on real time)."""
    WorkingWindow.unscoped.bulk_create([
        WorkingWindow(organization=member.organization, membership=member, weekday=day, start=time(0),
                      end=END_OF_DAY) for day in range(7)])


class NudgeFactory(ModelFactory):
    """A due next-step nudge, ready to deliver."""

    class Meta:
        model = Nudge
        exclude = ("step",)

    step = factory.SubFactory(NextStepFactory, due_date=factory.LazyFunction(
        lambda: timezone.localdate() + timedelta(days=1)))
    organization = factory.SelfAttribute("step.organization")
    kind = NudgeKind.NEXT_STEP_DUE
    recipient = factory.SelfAttribute("step.owner")
    subject_kind = "next_step"
    subject_id = factory.SelfAttribute("step.pk")
    period = factory.LazyAttribute(lambda n: n.step.due_date.isoformat())
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    deliver_after = factory.SelfAttribute("due_at")
    payload = factory.LazyAttribute(lambda n: {"title": n.step.title, "due": n.step.due_date.isoformat()})


# --- Nudges, second part: program nudges, digest, webhook ---------------------------------------------

def this_iso_week() -> str:
    year, week, _ = timezone.now().isocalendar()
    return f"{year}-W{week:02d}"


def nudges_world(org, member, session):
    """Org-A rows of the second part for the cross-tenant matrix: a failed nudge,
    a webhook with a failed post, and a digest."""
    from types import SimpleNamespace

    from sessions_app.models import OrgWebhook, WebhookDelivery, WeeklyDigest

    failed = NudgeFactory(step__session=session, step__owner=member, status=Nudge.Status.FAILED, attempts=5,
                          last_error="SMTPException: Acmefailure")
    hook = OrgWebhook.unscoped.create(organization=org, url="https://hooks.acme.test/acmehook", secret="s" * 43)
    delivery = WebhookDelivery.unscoped.create(
        organization=org, event="weekly_digest", subject_id=hook.pk, period="2026-W14", body="{}",
        status=WebhookDelivery.Status.FAILED, attempts=5, last_error="HTTP 500: Acmehookfail",
        next_attempt_at=timezone.now())
    digest = WeeklyDigest.unscoped.create(organization=org, week_start=timezone.localdate())
    return SimpleNamespace(failed=failed, webhook=hook, delivery=delivery, digest=digest)
