"""Core Celery tasks: thin, idempotent."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from .models import Heartbeat
from .outbox import outbox_relay

logger = logging.getLogger(__name__)


@shared_task(name="mentoring.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> str:
    """Proves the worker and beat run; /healthz reports the last one."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": now})
    return now.isoformat()


@shared_task(name="mentoring.tasks.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox messages whose first publish failed (the broker was down). Beat: every minute."""
    return outbox_relay()


@worker_ready.connect
def relay_outbox_on_worker_start(sender=None, **kwargs) -> None:
    """A worker coming up after an outage publishes what waited, without waiting for the beat."""
    try:
        published = outbox_relay()
    except Exception:  # noqa: BLE001 - never keep a worker from starting
        logger.exception("outbox relay on worker start failed")
    else:
        logger.info("outbox relay on worker start: %s published", published)


# Registered here so that the worker (which autodiscovers tasks.py modules) knows it.
from .tasks_programs import pairing_run_task  # noqa: E402,F401
