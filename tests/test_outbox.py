"""The outbox (mentoring/outbox.py): a row per task in the caller's transaction, published on commit,
kept when the broker is unreachable, relayed later, never published twice. The delivery path with a
real worker and a real Redis outage is tests/test_faults_redis.py."""

import re
from itertools import pairwise
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from mentoring.models import OutboxMessage
from mentoring.outbox import enqueue_on_commit, outbox_pending, outbox_publish, outbox_relay
from mentoring.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_a_rolled_back_transaction_leaves_no_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(worker_heartbeat)
            raise RuntimeError("the change failed")

    assert (OutboxMessage.objects.count(), callbacks) == (0, [])


def test_an_unreachable_broker_keeps_the_message_pending_with_the_error(django_capture_on_commit_callbacks):
    with override_settings(CELERY_BROKER_URL=UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        message = enqueue_on_commit(worker_heartbeat)
    message.refresh_from_db()

    assert (message.sent_at, message.attempts, outbox_pending()) == (None, 1, 1)
    assert message.last_error


def test_the_relay_publishes_pending_messages_once_when_the_broker_is_back(django_capture_on_commit_callbacks):
    with override_settings(CELERY_BROKER_URL=UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        kept = [enqueue_on_commit(worker_heartbeat) for _ in range(3)]
    with override_settings(CELERY_TASK_DEFAULT_QUEUE="tp-test-outbox-unit"):
        first, second = outbox_relay(), outbox_relay()
        again = outbox_publish(kept[0].pk)

    assert (first, second, again, outbox_pending()) == (3, 0, False, 0)


def test_the_relay_stops_at_the_first_failure_while_the_broker_is_down(django_capture_on_commit_callbacks):
    with override_settings(CELERY_BROKER_URL=UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            enqueue_on_commit(worker_heartbeat)
        published = outbox_relay()

    attempts = sorted(OutboxMessage.objects.values_list("attempts", flat=True))
    assert (published, attempts) == (0, [1, 1, 2])


def test_no_task_is_sent_around_the_outbox():
    # Every task enqueued by our code goes through mentoring.outbox.enqueue_on_commit.
    # Also a bound method handed over uncalled, e.g. on_commit(partial(task.delay, …)).
    direct = re.compile(r"\.(delay|delay_on_commit|apply_async)\b")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for app in ("mentoring", "sessions_app", "metrics") for path in (ROOT / app).rglob("*.py")
                 if path.name != "outbox.py"
                 for number, (before, line) in enumerate(pairwise(["", *path.read_text().splitlines()]), 1)
                 if direct.search(line) and "outbox-exempt:" not in before]
    assert not offenders, f"Use mentoring.outbox.enqueue_on_commit instead: {offenders}"
