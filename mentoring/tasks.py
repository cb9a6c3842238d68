"""Core Celery tasks: thin, idempotent."""

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="mentoring.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> str:
    """Proves the worker and beat run; /healthz reports the last one."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": now})
    return now.isoformat()


# Registered here so that the worker (which autodiscovers tasks.py modules) knows it.
from .tasks_programs import pairing_run_task  # noqa: E402,F401
