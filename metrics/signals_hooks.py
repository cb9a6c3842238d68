"""Hooks the metrics inputs call after each write (role events, ramp milestones),
and the signal receivers for sessions, next steps and survey answers.

Each enqueues the incremental snapshot update (metrics.tasks.snapshots_refresh_task)
with ``transaction.on_commit``: once per org per transaction however many rows
changed (a CSV import of 10,000 events is one refresh), and once per
``METRICS_REFRESH_DELAY_S`` across transactions (a pending refresh reads
everything committed before it starts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

PENDING_KEY = "metrics-refresh-pending:{org_id}"
logger = logging.getLogger(__name__)


def events_changed(org_id: UUID, member_ids: Iterable[UUID]) -> None:
    """Role events or ramp milestones of ``member_ids`` in org ``org_id`` changed.

    Called inside the writing transaction; the refresh is enqueued on commit
    (nothing happens if the transaction rolls back)."""
    # One callback per org per transaction: a rolled-back transaction takes its
    # callbacks with it, so nothing stale is left behind to suppress later ones.
    connection = transaction.get_connection()
    if any(getattr(entry[1], "metrics_org_id", None) == org_id for entry in connection.run_on_commit):
        return

    def enqueue():
        enqueue_refresh(str(org_id))

    enqueue.metrics_org_id = org_id
    transaction.on_commit(enqueue)


def enqueue_refresh(org_id: str) -> None:
    from .tasks import snapshots_refresh_task

    delay = settings.METRICS_REFRESH_DELAY_S
    # One pending refresh per org: the task clears the key before it loads anything.
    try:
        if not cache.add(PENDING_KEY.format(org_id=org_id), 1, timeout=delay + 600):
            return
    except Exception:  # a cache outage must not lose the refresh: enqueue anyway
        pass
    try:
        # outbox-exempt: a debounced refresh; after a broker outage the nightly full recompute catches up.
        snapshots_refresh_task.apply_async((org_id,), countdown=delay)
    except Exception:  # a broker outage must not fail the write or the page; the nightly run catches up
        logger.warning("metrics: could not enqueue the snapshot refresh of org %s", org_id, exc_info=True)
        try:
            cache.delete(PENDING_KEY.format(org_id=org_id))  # so the next change tries again
        except Exception:  # noqa: BLE001 - the cache is down too; its key expires by itself
            pass


def inputs_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of a session, next step or survey answer."""
    org_id = getattr(instance, "organization_id", None)
    if org_id is not None and settings.METRICS_AUTO_REFRESH:
        events_changed(org_id, [])


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from sessions_app.models import MentoringSession, NextStep, SurveyResponse

    for model in (MentoringSession, NextStep, SurveyResponse):
        post_save.connect(inputs_changed, sender=model, dispatch_uid=f"metrics-{model.__name__}-save")
        post_delete.connect(inputs_changed, sender=model, dispatch_uid=f"metrics-{model.__name__}-delete")
