"""The delivery path with a real Celery worker on Redis against the test
Postgres database (eager mode only emulates a worker)."""

import time

import pytest

from mentoring.celery import app
from mentoring.models import Heartbeat
from mentoring.tasks import worker_heartbeat
from tests.worker_fixture import start_worker, worker  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def test_worker_on_redis_runs_the_heartbeat_task_against_postgres(worker):
    broker_url, queue, process, log = worker
    assert not Heartbeat.objects.filter(name="worker").exists()

    # delay() is apply_async() without options; the broker and queue keep this task to our worker.
    with app.connection_for_write(broker_url) as broker:
        worker_heartbeat.apply_async(queue=queue, connection=broker)

    deadline = time.monotonic() + 60
    while not Heartbeat.objects.filter(name="worker").exists():
        assert process.poll() is None, f"the worker exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no heartbeat within 60 s; worker log:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)
    assert "succeeded" in log.read_text()
