"""Profile one page or endpoint in process against the bench database:
``python -m bench.profile /o/northwind/ --as mentee@northwind.example``.

Prints ms per request, SQL queries and their time, where the time goes by
layer (self time of pyinstrument's samples, grouped by package) and the
pyinstrument call tree. Needs ``pip install pyinstrument`` (not a runtime
dependency). Run ``python -m bench`` once first: it builds the bench database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

from . import common

# Self time is charged to the first matching layer (path fragments, most specific first).
# Helpers used by every layer are charged to their caller instead.
SHARED = ("django/utils/functional", "django/utils/deconstruct", "django/utils/hashable", "django/utils/tree",
          "django/utils/datastructures")
LAYERS = [
    ("SQL compile (Django ORM)", ("django/db/models/sql/", "django/db/models/expressions", "django/db/models/lookups",
                                  "django/db/models/query_utils")),
    ("model instances (Django ORM)", ("django/db/models/",)),
    ("database driver + wait", ("psycopg", "django/db/backends/")),
    ("templates (rendering, escaping, date formats)", ("django/template/", "django/templatetags/", "templatetags/",
                                                       "django/utils/html", "django/utils/safestring",
                                                       "django/utils/dateformat", "django/utils/formats",
                                                       "django/utils/translation", "django/utils/text")),
    ("DRF serializers", ("rest_framework/serializers", "rest_framework/fields", "rest_framework/relations")),
    ("DRF other", ("rest_framework/",)),
    ("middleware + request (Django)", ("django/core/handlers", "django/middleware", "django/contrib/",
                                       "django/http/", "django/urls/", "django/test/", "whitenoise", "allauth",
                                       "django_htmx")),
    ("Django other", ("django/",)),
    ("Touchpoint code", ("/mentoring/", "/sessions_app/", "/metrics/")),
]


def layer_of(path: str) -> str:
    for name, fragments in LAYERS:
        if any(fragment in path for fragment in fragments):
            return name
    return "other"


def _path(frame) -> str:
    """A frame's file; self time, built-ins and the standard library count for their caller."""
    while frame is not None and (frame.is_synthetic or not frame.file_path or frame.file_path.startswith("<")
                                 or ("/lib/python3" in frame.file_path and "-packages/" not in frame.file_path)
                                 or any(shared in frame.file_path for shared in SHARED)):
        frame = frame.parent
    return frame.file_path if frame is not None else ""


def by_layer(session) -> Counter:
    totals = Counter()
    stack = [session.root_frame()]
    while stack:
        frame = stack.pop()
        if frame is None:
            continue
        own = frame.time - sum(child.time for child in frame.children)
        if own > 1e-9:
            totals[layer_of(_path(frame))] += own
        stack.extend(frame.children)
    return totals


def _timed(client, path: str, n: int) -> tuple[float, float]:
    """Wall and CPU (this process: Python, not Postgres) ms per request."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        client.get(path)
    return (time.perf_counter() - started) / n * 1000, (time.process_time() - cpu) / n * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="email", required=True, help="the signed-in user (demo login)")
    parser.add_argument("-n", type=int, default=20, help="requests to time and profile (default 20)")
    parser.add_argument("--tree", action="store_true", help="print pyinstrument's call tree too")
    parser.add_argument("--sql", action="store_true", help="print each query with its time")
    parser.add_argument("--base-settings", action="store_true",
                        help="profile under mentoring.settings.base instead of production (as the web section serves)")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is missing: .venv/bin/pip install pyinstrument", file=sys.stderr)
        return 2

    common.configure_environment()
    static_dir = None
    if not args.base_settings:
        # The settings gunicorn runs with in the web section (DEBUG off, manifest static files).
        import tempfile

        from .web import server_env

        static_dir = tempfile.TemporaryDirectory(prefix="touchpoint-profile-")
        os.environ.update(server_env(os.path.join(static_dir.name, "static")))
        os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    import django

    django.setup()
    if static_dir is not None:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from mentoring.models import ApiToken, User
    from mentoring.services import token_issue

    user = User.objects.get(email=args.email)
    if args.path.startswith("/api/"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user, name='bench-profile')[1]}")
    else:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    try:
        response = client.get(args.path)
        if response.status_code != 200:
            print(f"{args.path} answered HTTP {response.status_code}", file=sys.stderr)
            return 1
        with CaptureQueriesContext(connection) as captured:
            client.get(args.path)
        queries = captured.captured_queries
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        per_request, cpu_per_request = _timed(client, args.path, args.n)
        # Baseline (b) of the web section in the same process and minute: the ratio is what to compare.
        base_path = f"/bench/query/{common.ORG_SLUG}"
        base_client = Client()
        base_client.get(base_path)
        base_ms, base_cpu_ms = _timed(base_client, base_path, args.n)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.n):
            client.get(args.path)
        session = profiler.stop()
    finally:
        ApiToken.objects.filter(user=user, name="bench-profile").delete()
        if static_dir is not None:
            static_dir.cleanup()

    print(f"{args.path} as {args.email}: {per_request:.1f} ms/request ({cpu_per_request:.1f} ms CPU of this "
          f"process), {len(response.content):,} bytes, {len(queries)} queries taking {sql_ms:.1f} ms "
          f"(Postgres + driver)")
    print(f"  baseline (b) {base_path}: {base_ms:.2f} ms/request ({base_cpu_ms:.2f} ms CPU); "
          f"cost ratio {per_request / base_ms:.1f}x wall, {cpu_per_request / base_cpu_ms:.1f}x CPU")
    if args.sql:
        for query in queries:
            print(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:400]}")
    totals = by_layer(session)
    whole = sum(totals.values()) or 1
    for name, seconds in totals.most_common():
        print(f"  {seconds / whole:6.1%}  {name}")
    if args.tree:
        print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
