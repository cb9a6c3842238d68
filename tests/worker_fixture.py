"""A real Celery worker on Redis against the pytest test database (eager
mode only emulates a worker). Import the fixtures into a test module:
``from tests.worker_fixture import start_worker, worker  # noqa: F401``."""

from __future__ import annotations

import os
import re
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

ROOT = Path(__file__).resolve().parent.parent
# Its own Redis database: other tests flush the cache database (cache.clear()
# is FLUSHDB), which would take queued messages and queue bindings with it.
BROKER_DB = 13


def url_of_test_database() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_db_url() -> str:
    parsed = urlsplit(settings.REDIS_URL)
    return urlunsplit(parsed._replace(path=f"/{BROKER_DB}"))


class Worker:
    """``celery worker`` in a subprocess consuming only its own queue (so it
    cannot take, or be taken, tasks of other tests); tasks it enqueues itself
    go to that queue too. Emails land as files in ``mail_dir``."""

    def __init__(self, tmp_path: Path, *, concurrency: int = 1):
        self.queue = f"tp-test-{uuid.uuid4().hex[:12]}"
        self.broker_url = broker_db_url()
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.log = tmp_path / "worker.log"
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mentoring.settings.test",
               "DATABASE_URL": url_of_test_database(), "REDIS_URL": self.broker_url,
               "CELERY_BROKER_URL": self.broker_url, "CELERY_TASK_DEFAULT_QUEUE": self.queue,
               "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               "EMAIL_FILE_PATH": str(self.mail_dir), "PYTHONUNBUFFERED": "1"}
        pool = ["--pool=solo"] if self.concurrency == 1 else ["--pool=prefork", f"--concurrency={self.concurrency}"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mentoring", "worker", *pool, "--loglevel=INFO",
             "-Q", self.queue, "--without-mingle", "--without-gossip", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def send(self, task, *args) -> None:
        """``task.delay(*args)`` onto this worker's broker database and queue."""
        with app.connection_for_write(self.broker_url) as broker:
            task.apply_async(args, queue=self.queue, connection=broker)

    def kill(self) -> None:
        """SIGKILL the whole process group (pool children too): no shutdown, no acks."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_until(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"the worker exited:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"{what} not within {timeout} s; log:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.02)

    def emails(self) -> list[str]:
        """The X-Touchpoint-Nudge header of every email written (one per message), or "" when absent."""
        found = []
        for path in sorted(self.mail_dir.iterdir()):
            for message in path.read_text().split("-" * 79 + "\n"):
                if message.strip():
                    header = re.search(r"^X-Touchpoint-Nudge: (\S+)$", message, re.M)
                    found.append(header.group(1) if header else "")
        return found

    def queued(self) -> int:
        """Messages waiting in this worker's queue (not yet taken)."""
        with app.connection_for_write(self.broker_url) as broker:
            return broker.default_channel.client.llen(self.queue)

    def purge(self) -> None:
        with app.connection_for_write(self.broker_url) as broker:
            broker.default_channel.client.delete(self.queue)


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """``start_worker(concurrency=1)`` -> a started Worker; stopped (before the
    test database is flushed: it holds connections) and its queue purged after the test."""
    started: list[Worker] = []

    def start(**options) -> Worker:
        started.append(Worker(tmp_path, **options).start())
        return started[-1]

    yield start
    for each in started:
        each.stop()
        each.purge()


@pytest.fixture
def worker(start_worker):
    """The plain worker of tests/test_worker.py: (broker url, queue, process, log)."""
    running = start_worker()
    return running.broker_url, running.queue, running.process, running.log
