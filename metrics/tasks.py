"""Celery tasks of the dashboards: thin, idempotent (a refresh rewrites the same
rows from the same data), JSON arguments only."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from mentoring.models import Organization

from . import snapshots
from .signals_hooks import PENDING_KEY

PROGRESS_KEY = "metrics-recompute:{org_id}"
PROGRESS_TTL = 3600


@shared_task(name="metrics.tasks.snapshots_refresh_task", ignore_result=True)
def snapshots_refresh_task(org_id: str) -> int:
    """The incremental update enqueued on commit by metrics.signals_hooks."""
    cache.delete(PENDING_KEY.format(org_id=org_id))
    org = Organization.objects.filter(pk=org_id).first()
    return snapshots.snapshots_refresh(org) if org else 0


@shared_task(name="metrics.tasks.snapshots_full_recompute_task", ignore_result=True)
def snapshots_full_recompute_task() -> dict:
    """Nightly (CELERY_BEAT_SCHEDULE): every org recomputed from scratch."""
    return snapshots.snapshots_full_recompute()


def progress_set(org_id: str, **state) -> None:
    cache.set(PROGRESS_KEY.format(org_id=org_id), state, PROGRESS_TTL)


def progress_get(org_id: str) -> dict | None:
    return cache.get(PROGRESS_KEY.format(org_id=org_id))


@shared_task(name="metrics.tasks.snapshots_recompute_task", ignore_result=True)
def snapshots_recompute_task(org_id: str) -> int:
    """A manager's on-demand recompute; the page polls the progress it writes."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    progress_set(org_id, status="running", progress=5, stage="Loading the organisation's history")
    try:
        written = snapshots.snapshots_refresh(
            org, progress=lambda pct, stage: progress_set(org_id, status="running", progress=pct, stage=stage))
    except Exception as error:
        progress_set(org_id, status="failed", progress=100, stage=f"Failed: {type(error).__name__}")
        raise
    progress_set(org_id, status="done", progress=100, stage=f"Done: {written} figures updated")
    return written
