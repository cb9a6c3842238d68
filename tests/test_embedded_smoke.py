"""Smoke test of the embedded default that ``make run`` uses: SQLite, the
filesystem broker, a real Celery worker and the web server, all in
subprocesses with a clean environment (no DATABASE_URL / REDIS_URL).

The only tests that touch SQLite: everything else runs on Postgres.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def embedded_env(run_dir: Path) -> dict:
    """A clean environment: nothing of the test profile (Postgres, Redis) leaks in."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(run_dir),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "TOUCHPOINT_RUN_DIR": str(run_dir),
        "DJANGO_SETTINGS_MODULE": "mentoring.settings.base",
    }


def manage(env, *args, timeout=180) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def start(env, args, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=3) as response:
        return response.status, json.load(response)


def wait_for(condition, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (OSError, sqlite3.Error):
            value = None
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}" + (f"; log:\n{log.read_text()[-3000:]}" if log else ""))


def healthy_with_heartbeat(url: str):
    status, body = get_json(url)
    return body if status == 200 and body["worker_heartbeat"] else None


def heartbeat_in(database: Path):
    with sqlite3.connect(database, timeout=5) as db:
        row = db.execute("SELECT at FROM mentoring_heartbeat WHERE name = 'worker'").fetchone()
    return row and row[0]


COUNTS = ("import json; from allauth.account.models import EmailAddress; "
          "from mentoring.models import Membership, Organization, Skill, User, WorkItem; "
          "print(json.dumps({'orgs': Organization.objects.count(), 'users': User.objects.count(), "
          "'emails': EmailAddress.objects.filter(verified=True).count(), "
          "'people': Membership.unscoped.count(), 'skills': Skill.unscoped.count(), "
          "'work_items': WorkItem.unscoped.count()}))")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """One migrated and seeded embedded run directory for this module (SQLite
    migrations are slow); -> (run_dir, env, counts after the first seed)."""
    run_dir = tmp_path_factory.mktemp("embedded")
    env = embedded_env(run_dir)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    return run_dir, env, json.loads(manage(env, "shell", "-v", "0", "-c", COUNTS))


def test_seed_demo_on_sqlite_is_idempotent(embedded):
    _, env, first = embedded
    assert (first["orgs"], first["people"], first["emails"]) == (2, 128, 8)
    manage(env, "seed_demo")
    assert json.loads(manage(env, "shell", "-v", "0", "-c", COUNTS)) == first


def test_embedded_worker_runs_a_task_and_healthz_reports_it(embedded):
    tmp_path, env, _ = embedded
    for folder in ("queue", "processed"):  # as run_demo does
        (tmp_path / "broker" / folder).mkdir(parents=True, exist_ok=True)
    port = free_port()
    worker_log, web_log = tmp_path / "worker.log", tmp_path / "web.log"
    worker = start(env, [sys.executable, "-m", "celery", "-A", "mentoring", "worker", "--pool=solo",
                         "--loglevel=INFO"], worker_log)
    web = start(env, [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], web_log)
    try:
        manage(env, "shell", "-c", "from mentoring.tasks import worker_heartbeat; worker_heartbeat.delay()")
        wait_for(lambda: heartbeat_in(tmp_path / "touchpoint.sqlite3"), 60, "the worker's heartbeat", worker_log)

        status, body = wait_for(lambda: get_json(f"http://127.0.0.1:{port}/healthz"), 60, "/healthz", web_log)
        assert status == 200
        assert (body["db"], body["redis"], body["broker"]) == ("ok", "absent", "filesystem")
        assert body["worker_heartbeat"]
    finally:
        stop(worker)
        stop(web)


def test_run_demo_serves_runs_jobs_and_stops_everything_on_sigterm(embedded):
    tmp_path, env, _ = embedded
    with sqlite3.connect(tmp_path / "touchpoint.sqlite3") as db:  # only this run's worker may write one
        db.execute("DELETE FROM mentoring_heartbeat")
    port = free_port()
    log = tmp_path / "run_demo.log"
    run_demo = start(env, [sys.executable, "manage.py", "run_demo", "--addr", f"127.0.0.1:{port}"], log)
    try:
        # run_demo enqueues one heartbeat once the web server answers; the worker runs it.
        body = wait_for(lambda: healthy_with_heartbeat(f"http://127.0.0.1:{port}/healthz"), 120,
                        "a heartbeat through run_demo", log)
        assert body["redis"] == "absent"
        assert "manager@northwind.example" in log.read_text()

        run_demo.send_signal(signal.SIGTERM)
        assert run_demo.wait(timeout=30) == 0
        with pytest.raises(OSError):
            get_json(f"http://127.0.0.1:{port}/healthz")
    finally:
        stop(run_demo)
