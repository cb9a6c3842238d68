"""Redis stopped mid-test: the app keeps serving and queued work is delivered after restart.

The test starts a ``redis-server`` of its own on a free port (never the shared one) as cache and
broker, and a real Celery worker on it. With Redis killed, pages and the API answer 200 (the cache
degrades: mentoring/cache.py), sign-in degrades closed (429-style refusal, never a 500), and work that
needs the broker is kept as pending outbox rows. After Redis restarts, the relay (the beat's
``relay_outbox`` task, or a worker starting) publishes them; the worker does each exactly once.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.test import Client, override_settings
from django.urls import reverse

from mentoring.services_programs import pairing as program_pairing
from mentoring.celery import app
from mentoring.models import OutboxMessage
from mentoring.models_programs import Pair, PairingRun
from mentoring.outbox import outbox_pending, outbox_relay
from mentoring.tasks import relay_outbox
from tests.factories_programs import CohortFactory, ParticipantFactory, ProgramFactory
from tests.worker_fixture import Worker

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server on PATH")]


class OwnRedis:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def own_redis():
    server = OwnRedis().start()
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def own_settings(own_redis):
    """Cache, broker and the health probe on our own Redis."""
    with override_settings(
            REDIS_URL=own_redis.url, CELERY_BROKER_URL=own_redis.url,
            CACHES={"default": {"BACKEND": "mentoring.cache.TolerantRedisCache", "LOCATION": own_redis.url,
                                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}):
        yield


@pytest.fixture
def own_worker(transactional_db, tmp_path, own_redis, own_settings):
    """``own_worker()`` -> a real worker consuming its own queue on our Redis; stopped after the test
    (before the test database is flushed)."""
    started = []

    def start() -> Worker:
        worker = Worker(tmp_path)
        worker.broker_url = own_redis.url
        started.append(worker.start())
        worker.wait_until(lambda: "ready." in worker.log.read_text(), "the worker start", timeout=60)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def cohorts(org_a, manager, monkeypatch):
    """Two cohorts big enough to pair in the background (3 mentors × 2, 7 mentees each)."""
    monkeypatch.setattr(program_pairing, "BACKGROUND_FROM_MENTEES", 5)
    made = []
    for _ in range(2):
        cohort = CohortFactory(program=ProgramFactory(organization=org_a))
        for _ in range(3):
            ParticipantFactory(cohort=cohort, role="mentor", capacity=2)
        for _ in range(7):
            ParticipantFactory(cohort=cohort, role="mentee")
        made.append(cohort)
    return made


def runs_done(org) -> int:
    return PairingRun.objects.for_org(org).filter(status="done").count()


def received(worker: Worker, message: OutboxMessage) -> int:
    return worker.log.read_text().count(f"[{message.pk}] received")


def send_like_the_beat(worker: Worker, task) -> None:
    with app.connection_for_write(worker.broker_url) as broker:
        task.apply_async(queue=worker.queue, connection=broker)


def run_by_api(org, cohort, manager, api_for) -> int:
    return api_for(manager).post(f"/api/v1/orgs/{org.slug}/cohorts/{cohort.pk}/run/", {}, format="json").status_code


def run_by_page(org, cohort, manager, client_for) -> int:
    return client_for(manager).post(
        reverse("cohort_pairing_run", kwargs={"org_slug": org.slug, "cohort_id": cohort.pk})).status_code


def test_with_redis_down_pages_and_api_serve_and_pairing_work_is_kept_then_delivered_once(
        own_redis, own_worker, cohorts, org_a, manager, client_for, api_for):
    worker = own_worker()
    with override_settings(CELERY_TASK_DEFAULT_QUEUE=worker.queue):
        own_redis.kill()

        pages = [client_for(manager).get(reverse(name, kwargs={"org_slug": org_a.slug})).status_code
                 for name in ("org_home", "people_list", "session_list", "next_step_list", "program_list")]
        api = [api_for(manager).get(f"/api/v1/orgs/{org_a.slug}/{tail}").status_code
               for tail in ("people/", "members/", "sessions/", "programs/")]
        health = Client().get("/healthz")
        sign_in = Client().post(reverse("account_login"), {"login": manager.user.email, "password": "wrong"})
        started = [run_by_api(org_a, cohorts[0], manager, api_for), run_by_page(org_a, cohorts[1], manager, client_for)]
        kept = list(OutboxMessage.objects.order_by("created_at"))

        assert pages == [200] * 5 and api == [200] * 4
        assert (health.status_code, health.json()["redis"]) == (200, "down")
        assert sign_in.status_code == 429  # sign-in degrades closed (mentoring/cache.py): refused, never a 500
        assert started == [202, 302]  # accepted: pairing runs in the background
        assert [m.task for m in kept] == ["mentoring.tasks_programs.pairing_run_task"] * 2
        assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in kept)
        assert runs_done(org_a) == 0

        own_redis.start()  # same port, empty: the worker reconnects and declares its queue again
        time.sleep(1)
        send_like_the_beat(worker, relay_outbox)
        worker.wait_until(lambda: runs_done(org_a) == 2 and worker.queued() == 0, "both pairing runs")
        assert outbox_relay() == 0  # a second relay finds nothing left to send
        worker.stop()

    assert outbox_pending() == 0
    assert [received(worker, m) for m in kept] == [1, 1]
    assert sorted(Pair.objects.for_org(org_a).values_list("cohort_id", flat=True)) == \
        sorted([cohorts[0].pk] * 6 + [cohorts[1].pk] * 6)


def test_work_kept_while_redis_was_down_is_published_when_a_worker_starts(
        own_redis, own_worker, cohorts, org_a, manager, client_for, api_for):
    own_redis.kill()
    started = run_by_api(org_a, cohorts[0], manager, api_for)
    kept = OutboxMessage.objects.get()
    own_redis.start()

    assert (started, kept.sent_at) == (202, None)
    worker = own_worker()  # its start relays the outbox onto its own queue
    worker.wait_until(lambda: runs_done(org_a) == 1, "the pairing run")
    worker.stop()

    kept.refresh_from_db()
    assert kept.sent_at is not None and received(worker, kept) == 1
