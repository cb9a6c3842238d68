"""Celery tasks of nudges: thin and idempotent (registered by sessions_app.tasks).

Beat entries (mentoring/settings/base.py, CELERY_BEAT_SCHEDULE; exactly one beat runs):
    "sweep-nudges": {"task": "sessions_app.tasks_nudges.sweep_nudges", "schedule": 5 * 60.0},
    "deliver-due-nudges": {"task": "sessions_app.tasks_nudges.deliver_due_nudges", "schedule": 60.0},
    "deliver-due-webhooks": {"task": "sessions_app.tasks_nudges.deliver_due_webhooks", "schedule": 60.0},
The weekly digest is part of ``sweep_org_nudges`` (due from Monday 08:00 in each org's zone).
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from mentoring.models import Organization
from mentoring.outbox import enqueue_on_commit

from .services import webhooks
from .services.nudges import nudge_deliver, nudge_sweep, nudges_due
from .services.webhooks import webhooks_due

# The database going away is worth a retry; a failed send is already recorded on the nudge row.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(name="sessions_app.tasks_nudges.sweep_nudges", ignore_result=True)
def sweep_nudges() -> int:
    """The beat sweep: one task per organisation, so a big one delays only itself."""
    org_ids = list(Organization.objects.values_list("pk", flat=True))
    for org_id in org_ids:
        enqueue_on_commit(sweep_org_nudges, str(org_id))
    return len(org_ids)


@shared_task(name="sessions_app.tasks_nudges.sweep_org_nudges", ignore_result=True, acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def sweep_org_nudges(org_id: str) -> dict:
    """Idempotent (INSERT … ON CONFLICT DO NOTHING): a redelivered or doubled sweep adds nothing."""
    org = Organization.objects.filter(pk=org_id).first()
    return nudge_sweep(org=org) if org else {}


@shared_task(name="sessions_app.tasks_nudges.deliver_due_nudges", ignore_result=True)
def deliver_due_nudges() -> int:
    """Enqueue every nudge whose moment has come. Also the safety net: a
    delivery lost with a killed worker is still claimable and comes back here."""
    due = nudges_due()
    for nudge_id in due:
        enqueue_on_commit(deliver_nudge, str(nudge_id))
    return len(due)


# Retries wait at most retry_backoff_max (10 min), far below the broker's visibility timeout (6 h).
@shared_task(name="sessions_app.tasks_nudges.deliver_nudge", ignore_result=True, acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600,
             max_retries=5)
def deliver_nudge(nudge_id: str) -> str:
    """Idempotent: the claim inside ``nudge_deliver`` lets one run deliver; the rest skip."""
    return nudge_deliver(nudge_id=nudge_id)


# --- Outbound webhook (services/webhooks.py) ------------------------------------------------------

@shared_task(name="sessions_app.tasks_nudges.deliver_due_webhooks", ignore_result=True)
def deliver_due_webhooks() -> int:
    """Safety net: enqueue pending webhook posts whose moment has come."""
    due = webhooks_due()
    for delivery_id in due:
        enqueue_on_commit(deliver_webhook, str(delivery_id))
    return len(due)


# Retries wait at most 8 minutes (webhooks.RETRY_BASE × 2³), far below the visibility timeout.
@shared_task(name="sessions_app.tasks_nudges.deliver_webhook", bind=True, ignore_result=True, acks_late=True,
             reject_on_worker_lost=True, max_retries=webhooks.MAX_ATTEMPTS)
def deliver_webhook(self, delivery_id: str) -> str:
    """Idempotent (claimed by compare-and-swap); a failed post comes back after its back-off."""
    outcome, wait = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome == "retrying":
        raise self.retry(countdown=wait)
    return outcome
