"""``manage.py run_demo`` (what ``make run`` runs): migrate, seed the demo, then
run the web server and the Celery worker with beat until Ctrl-C / SIGTERM.

On the embedded default the worker uses kombu's ``filesystem://`` broker, so
the same task code runs as in production, just without Redis.  With
``DATABASE_URL`` / ``REDIS_URL`` set, settings point everything at them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from mentoring import demo

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Command(BaseCommand):
    help = "Migrate, seed the demo, and run the web server plus the Celery worker and beat (Ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Web server address (default 127.0.0.1:8000).")

    def handle(self, *args, addr, **options):
        call_command("migrate", interactive=False, verbosity=1)
        call_command("seed_demo", stdout=self.stdout)
        if not settings.REDIS_URL:
            # kombu's filesystem transport expects its folders to exist.
            for name in ("queue", "processed"):
                (settings.BROKER_DIR / name).mkdir(parents=True, exist_ok=True)
        # whitenoise warns about a missing STATIC_ROOT (the demo serves from the finders).
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

        stopping = []
        for signum in STOP_SIGNALS:
            signal.signal(signum, lambda signum, frame: stopping.append(signum))

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        # Own sessions: a terminal's Ctrl-C reaches only us, and we stop the children in order.
        children = {
            "worker": subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "mentoring", "worker", "-B", "--pool=solo",
                 "--loglevel=INFO"], cwd=settings.BASE_DIR, start_new_session=True),
            "web": subprocess.Popen(manage + ["runserver", addr, "--noreload"], cwd=settings.BASE_DIR,
                                    start_new_session=True),
        }
        exit_code = 0
        try:
            url = f"http://{addr}/"
            self._wait_for_health(url + "healthz", children, stopping)
            if not stopping and all(child.poll() is None for child in children.values()):
                # One heartbeat now, so /healthz shows the worker before beat's first tick.
                from mentoring.outbox import enqueue_on_commit
                from mentoring.tasks import worker_heartbeat

                enqueue_on_commit(worker_heartbeat)
                self._banner(url)
            while not stopping:
                dead = [name for name, child in children.items() if child.poll() is not None]
                if dead:
                    self.stderr.write(f"The {' and '.join(dead)} process stopped; shutting down.")
                    exit_code = 1
                    break
                time.sleep(0.5)
        finally:
            self.stdout.write("Stopping the web server and the worker…")
            for child in children.values():
                _stop(child)
        if exit_code:
            sys.exit(exit_code)

    def _wait_for_health(self, url, children, stopping, timeout=120) -> None:
        """Until the web server answers, so the banner comes after the start-up logs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stopping:
            if any(child.poll() is not None for child in children.values()):
                return
            try:
                # bandit B310: the URL is our own http://127.0.0.1 health check, never user input.
                with urllib.request.urlopen(url, timeout=2):  # nosec B310
                    return
            except OSError:  # not listening yet, or 503 while the database is not ready
                time.sleep(0.5)

    def _banner(self, url):
        lines = ["", "=" * 64, f"Touchpoint is running at {url}",
                 f"Demo logins (password: {demo.DEMO_PASSWORD}):"]
        for slug, name, *_ in demo.ORGS:
            lines.append(f"  {name}: " + ", ".join(demo.login_email(role, slug) for role in demo.LOGINS))
        lines += [f"Health: {url}healthz   API docs: {url}api/docs/",
                  "Background jobs: Celery worker + beat "
                  f"({'Redis' if settings.REDIS_URL else 'embedded filesystem broker'}). Ctrl-C stops everything.",
                  "=" * 64, ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


def _stop(child: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the child's process group (celery's warm shutdown), then SIGKILL."""
    if child.poll() is not None:
        return
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    except ProcessLookupError:
        pass
