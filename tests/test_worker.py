"""The delivery path with a real Celery worker on Redis against the test
Postgres database (eager mode only emulates a worker)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from mentoring.celery import app
from mentoring.models import Heartbeat
from mentoring.tasks import worker_heartbeat

ROOT = Path(__file__).resolve().parent.parent
# Its own Redis database: other tests flush the cache database (cache.clear()
# is FLUSHDB), which would take queued messages and queue bindings with it.
BROKER_DB = 13
pytestmark = pytest.mark.slow


def url_of_test_database() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_db_url() -> str:
    parsed = urlsplit(settings.REDIS_URL)
    return urlunsplit(parsed._replace(path=f"/{BROKER_DB}"))


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real ``celery worker`` on the test database, consuming only its own
    queue so it cannot take (or be taken) tasks of other tests."""
    queue = f"tp-test-{uuid.uuid4().hex[:12]}"
    broker_url = broker_db_url()
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mentoring.settings.test",
           "DATABASE_URL": url_of_test_database(), "REDIS_URL": broker_url, "CELERY_BROKER_URL": broker_url,
           "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mentoring", "worker", "--pool=solo", "--loglevel=INFO",
         "-Q", queue, "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield broker_url, queue, process, log
    finally:
        # Before the test database is flushed/dropped: the worker holds a connection.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


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
