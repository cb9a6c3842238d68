"""The transactional outbox: work that needs the broker survives Redis being down.

``enqueue_on_commit(task, *args, **kwargs)`` writes an ``OutboxMessage`` row in the caller's
transaction (so the task exists exactly when the change that needs it was committed) and publishes it
once that transaction commits. A publish that fails (Redis down) leaves the row pending; the relay
(``outbox_relay``: the ``relay-outbox`` beat task every minute, and once when a worker starts)
publishes pending rows when the broker is back.

Nothing is doubled: a row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked sent in the
same transaction, and the Celery task id is the row's id, so the worker log names each message once.
The tasks themselves are idempotent anyway (at-least-once: a crash between publish and commit can
publish a row twice).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
KEEP_SENT = timedelta(days=7)


def enqueue_on_commit(task, *args, **kwargs) -> OutboxMessage:
    """``task.delay_on_commit(*args, **kwargs)``, kept in the database until the broker has it.
    Arguments must be JSON (ids as strings)."""
    message = OutboxMessage.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: outbox_publish(message.pk), robust=True)
    return message


def _send(message: OutboxMessage) -> None:
    from .celery import app

    if app.conf.task_always_eager:  # unit tests only: run in-process, as .delay() would
        app.tasks[message.task].apply(message.args, message.kwargs, task_id=str(message.pk))
        return
    # A fresh connection each time (no stale pooled one after a Redis restart), no retry loop: a
    # failure leaves the row for the relay instead of holding up the request. Settings are read here
    # so that a test worker's broker and queue apply.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        app.send_task(message.task, args=message.args, kwargs=message.kwargs, task_id=str(message.pk),
                      connection=connection, queue=settings.CELERY_TASK_DEFAULT_QUEUE, retry=False)


def outbox_publish(message_id) -> bool:
    """Publish one pending message; True when this call published it."""
    return _publish(message_id) == "sent"


def _publish(message_id) -> str:
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, sent_at__isnull=True).first())
        if message is None:  # sent already, or another publisher holds it right now
            return "skipped"
        try:
            _send(message)
        except Exception as error:  # noqa: BLE001 - any broker failure: keep the row for the relay
            OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1,
                                                               last_error=str(error)[:1000])
            logger.warning("outbox: %s %s kept for the relay (%s)", message.task, message.pk, error)
            return "failed"
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1,
                                                           last_error="")
    return "sent"


def outbox_pending() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


def outbox_relay(*, limit: int = 1000) -> int:
    """Publish pending messages oldest first; stop at the first failure (the broker is still down).
    Returns how many were published. Also forgets messages sent more than a week ago."""
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    published = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("created_at") \
        .values_list("pk", flat=True)[:limit]
    for message_id in list(pending):
        outcome = _publish(message_id)
        if outcome == "failed":
            break
        published += outcome == "sent"
    return published
