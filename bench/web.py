"""Web: the app under gunicorn with production settings, loaded with wrk.

gunicorn runs gthread with 2 workers × 4 threads (sized for 2 cores) and
persistent database connections (DB_CONN_MAX_AGE=600); static files are
collected to a temporary STATIC_ROOT. wrk loads each endpoint at a fixed
concurrency (2 threads, 8 connections, 5 s after a 1 s warm-up): the two
baseline views (fixed bytes; one indexed query rendered to JSON), then the
real hot endpoints signed in as the demo users (a session cookie from the
allauth login form for pages, a Bearer token for the API).

Per endpoint: req/s (ratio to baseline (b)'s req/s, measured again just before
the endpoint; goal ≥ 0.5) and p50/p95/p99 latency (goal p95 < 50 ms). An endpoint that does not answer 200 yet reports
null with the status it gave.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from .common import DEMO_PASSWORD, ROOT, demo_member, figure, missing

# 8 connections = the server's 2 workers × 4 threads: every request has a thread, so latency is
# service time, not time queued in gunicorn's backlog (at 16, half the latency is queueing).
THREADS, CONNECTIONS, SECONDS, WARMUP_SECONDS = 2, 8, 5, 1
WORKERS, WORKER_THREADS = 2, 4
P95_GOAL_MS, RATIO_GOAL = 50, 0.5
# p50/p95/p99 in ms, requests, non-2xx/3xx and socket errors, as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "seconds": %.6f, "p50": %.3f, "p95": %.3f, "p99": %.3f, '
    .. '"bad_status": %d, "socket_errors": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
# Issue 6 will add the HR dashboard API; the first path answering 200 is measured.
# The real one (issue 6) first; the others are kept for older checkouts.
HR_DASHBOARD_PATHS = ["/api/v1/orgs/{slug}/metrics/dashboard/", "/api/v1/orgs/{slug}/dashboard/",
                      "/api/v1/orgs/{slug}/dashboards/overview/", "/api/v1/orgs/{slug}/metrics/overview/"]


def find_wrk() -> str | None:
    """wrk, installed with apt-get when missing and we may (root, Debian)."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("bench: wrk is missing; apt-get install wrk …", flush=True)
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True).returncode:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True)
    return shutil.which("wrk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(static_root: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "mentoring.settings.production",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
            "SECURE_SSL_REDIRECT": "false", "ALLOWED_HOSTS": "127.0.0.1", "DB_CONN_MAX_AGE": "600",
            "DEBUG": "false", "STATIC_ROOT": static_root, "BENCH_BASELINES": "1", "LOG_LEVEL": "ERROR"}


class Server:
    """gunicorn on a free port; ``with Server() as server: server.port``."""

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="touchpoint-bench-")
        env = server_env(os.path.join(self.tmp.name, "static"))
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        self.port = free_port()
        self.log = open(os.path.join(self.tmp.name, "gunicorn.log"), "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "mentoring.wsgi:application", "--worker-class", "gthread",
             "--workers", str(WORKERS), "--threads", str(WORKER_THREADS), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--backlog", "256"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if request(self.port, "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not come up: {self.tail()}")

    def tail(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:]

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.tmp.cleanup()


def request(port: int, path: str, *, method="GET", headers=None, body=None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _cookies(headers) -> dict:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def login_cookie(port: int, email: str) -> str:
    """Sign in through the allauth form like a browser; -> the Cookie header.
    (Production cookies are Secure, so they are carried by hand over http.)"""
    status, headers, body = request(port, "/accounts/login/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token or "csrftoken" not in cookies:
        raise RuntimeError(f"login page answered {status}")
    form = urlencode({"login": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()})
    status, headers, _ = request(port, "/accounts/login/", method="POST", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}"})
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"login as {email} answered {status} without a session")
    return f"sessionid={session}"


def wrk(binary: str, port: int, path: str, headers: dict, script: str, seconds: int) -> dict:
    command = [binary, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out[-500:]}")
    result = json.loads(line[len("BENCH "):])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def _figures(name: str, result: dict | None, base: dict | None, *, note=None, goals=True) -> list[dict]:
    if result is None:
        return [missing(f"web.{name}.req_per_s", "req/s", note, goal=f">= {RATIO_GOAL} x baseline_query"),
                missing(f"web.{name}.p95_ms", "ms", note, goal=f"< {P95_GOAL_MS} ms")]
    errors = result["bad_status"] + result["socket_errors"]
    if errors:
        note = ((note + "; ") if note else "") + f"{errors} of {result['requests']} responses were errors"
    rps_goal = f">= {RATIO_GOAL} x baseline_query" if goals else None
    rps = figure(f"web.{name}.req_per_s", round(result["rps"], 1), "req/s",
                 baseline=round(base["rps"], 1) if base else None, goal=rps_goal, note=note)
    if goals:
        rps["met"] = bool(rps["ratio"] is not None and rps["ratio"] >= RATIO_GOAL and not errors)
    out = [rps]
    for q in ("p50", "p95", "p99"):
        fig = figure(f"web.{name}.{q}_ms", round(result[q], 2), "ms", baseline=round(base[q], 2) if base else None)
        if q == "p95" and goals:
            fig["goal"], fig["met"] = f"< {P95_GOAL_MS} ms", result[q] < P95_GOAL_MS and not errors
        out.append(fig)
    return out


def _endpoints(port: int, slug: str) -> list[tuple[str, str, dict]]:
    """(figure name, path, headers) of the real endpoints, signed in as the demo users."""
    from mentoring.services import token_issue

    people = {role: demo_member(role, slug) for role in ("mentee", "mentor", "manager", "hr")}
    cookie = {role: {"Cookie": login_cookie(port, people[role].email)} for role in ("mentee", "mentor", "manager")}
    bearer = {role: {"Authorization": f"Bearer {token_issue(user=people[role].user, name='bench')[1]}"}
              for role in people}
    hr_path = next((p.format(slug=slug) for p in HR_DASHBOARD_PATHS
                    if request(port, p.format(slug=slug), headers=bearer["hr"])[0] == 200),
                   HR_DASHBOARD_PATHS[0].format(slug=slug))
    pair = f"mentor={people['mentor'].pk}&mentee={people['mentee'].pk}&minutes=30"
    return [
        ("mentee_home", f"/o/{slug}/", cookie["mentee"]),
        ("mentor_sessions", f"/o/{slug}/sessions/", cookie["mentor"]),
        ("next_steps_api", f"/api/v1/orgs/{slug}/next-steps/", bearer["mentee"]),
        ("slots_api", f"/api/v1/orgs/{slug}/slots/?{pair}", bearer["mentee"]),
        ("hr_dashboard_api", hr_path, bearer["hr"]),
        ("people_api", f"/api/v1/orgs/{slug}/people/", bearer["manager"]),
        ("people_page", f"/o/{slug}/people/", cookie["manager"]),
    ]


def _measure(binary, port, path, headers, script):
    status = request(port, path, headers=headers)[0]
    if status != 200:
        return None, f"{path} answered HTTP {status}"
    wrk(binary, port, path, headers, script, WARMUP_SECONDS)
    return wrk(binary, port, path, headers, script, SECONDS), None


def run(ctx=None) -> list[dict]:
    from mentoring.models import ApiToken

    slug = getattr(ctx, "org_slug", "northwind")
    binary = find_wrk()
    if binary is None:
        return [missing("web.wrk", "", "wrk is not installed: apt-get install wrk")]
    figures = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script_file:
        script_file.write(WRK_SCRIPT)
    try:
        with Server() as server:
            port = server.port
            raw, note = _measure(binary, port, "/bench/bytes", {}, script_file.name)
            base, base_note = _measure(binary, port, f"/bench/query/{slug}", {}, script_file.name)
            figures += _figures("baseline_bytes", raw, None, note=note, goals=False)
            figures += _figures("baseline_query", base, raw, note=base_note, goals=False)
            for name, path, headers in _endpoints(port, slug):
                # The machine is shared and its load drifts: baseline (b) again right before each
                # endpoint, so every ratio compares two runs taken under the same load.
                near = base
                if request(port, path, headers=headers)[0] == 200:
                    near = _measure(binary, port, f"/bench/query/{slug}", {}, script_file.name)[0] or base
                result, note = _measure(binary, port, path, headers, script_file.name)
                figures += _figures(name, result, near if result else None, note=note)
    finally:
        os.unlink(script_file.name)
        ApiToken.objects.filter(name="bench", user__memberships__organization__slug=slug).delete()
    return figures
