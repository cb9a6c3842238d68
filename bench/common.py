"""What every bench section shares: where the benchmark database lives, the
seed that is reused while nothing it depends on changed, and the figure shape.

A figure is ``{"name", "value", "unit", "baseline", "ratio", "goal", "met"}``
(plus an optional ``note``): ``value`` and ``baseline`` are measured in the
same run, ``ratio`` is value ÷ baseline, ``met`` is True/False against ``goal``
or None when the figure is for information only.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/touchpoint_bench"
BENCH_DB_NAME = "touchpoint_bench"
SEED_ARGS = {"people": 10000, "weeks": 52}
# The demo org and logins the web section loads pages as.
ORG_SLUG = "northwind"
DEMO_PASSWORD = "touchpoint-demo"
# Bump when bench_topup below changes, so an old bench database is reseeded.
TOPUP_VERSION = 1
FIGURE_KEYS = ("name", "value", "unit", "baseline", "ratio", "goal", "met")


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, else DATABASE_URL's server with the bench database
    name (never the app's or the tests' database), else the local default."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return urlunparse(urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{BENCH_DB_NAME}"))
    return DEFAULT_DB_URL


def bench_redis_url() -> str:
    """Redis database 11: apart from the app (0), the tests (9, 10)."""
    base = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunparse(base._replace(path="/11"))


def configure_environment(database_url: str | None = None) -> None:
    """Point this process (and the gunicorn it starts) at the bench services.
    Must run before Django is set up."""
    os.environ["DATABASE_URL"] = database_url or bench_database_url()
    os.environ["REDIS_URL"] = os.environ["CELERY_BROKER_URL"] = bench_redis_url()
    os.environ["CACHE_KEY_PREFIX"] = "tp-bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings.base")
    # Booking sends invites after commit; the bench measures booking, not SMTP.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # 404 probes are expected
    os.environ["BENCH_BASELINES"] = "1"
    # In-process sections render templates without a collectstatic run (gunicorn uses the manifest).
    os.environ["STATIC_MANIFEST"] = "0"


@dataclass
class Context:
    """Run-wide settings a section may read; tests shrink ``scale``."""

    scale: float = 1.0
    org_slug: str = ORG_SLUG
    notes: list[str] = field(default_factory=list)


# --- Figures -----------------------------------------------------------------------------------

def ratio(value, baseline, digits: int = 2):
    if value is None or not baseline:
        return None
    return round(value / baseline, digits)


def figure(name: str, value, unit: str, *, baseline=None, goal: str | None = None, met: bool | None = None,
           note: str | None = None, digits: int = 2) -> dict:
    out = {"name": name, "value": value, "unit": unit, "baseline": baseline,
           "ratio": ratio(value, baseline, digits), "goal": goal, "met": met}
    if note:
        out["note"] = note
    return out


def missing(name: str, unit: str, note: str, goal: str | None = None) -> dict:
    """A figure that could not be measured yet: reported, never silently dropped."""
    return figure(name, None, unit, goal=goal, met=False, note=note)


def well_formed(fig: dict) -> bool:
    return (all(key in fig for key in FIGURE_KEYS) and isinstance(fig["name"], str)
            and (fig["value"] is None or isinstance(fig["value"], (int, float)))
            and fig["met"] in (True, False, None))


# --- Machine -------------------------------------------------------------------------------------

def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "postgres": postgres, "os": platform.platform()}


# --- The benchmark database --------------------------------------------------------------------

def ensure_database(url: str) -> bool:
    """Create the bench database if missing; True when it was created."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _files_digest(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def seed_fingerprint() -> str:
    """What the seeded database depends on: the seed arguments, every migration
    file, the seeding code and the bench's own top-up."""
    migrations = [p for app in ("mentoring", "sessions_app", "metrics")
                  for p in (ROOT / app / "migrations").glob("*.py")]
    seeding = [ROOT / "mentoring" / "demo.py", ROOT / "mentoring" / "management" / "commands" / "seed_demo.py"]
    seeding += list((ROOT / "metrics").glob("demo*.py")) + list((ROOT / "sessions_app").glob("demo*.py"))
    seeding += sorted((ROOT / "sessions_app" / "demo").glob("*.py"))  # the history (a package)
    args = ",".join(f"{k}={v}" for k, v in sorted(SEED_ARGS.items()))
    return f"{args};topup={TOPUP_VERSION};{_files_digest(migrations + [p for p in seeding if p.exists()])}"


MARKER_TABLE = "bench_seed_marker"


def read_marker() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (fingerprint text NOT NULL, seeded_at "
                       f"timestamptz NOT NULL DEFAULT now(), seconds double precision)")
        cursor.execute(f"SELECT fingerprint FROM {MARKER_TABLE} ORDER BY seeded_at DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else None


def write_marker(fingerprint: str, seconds: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (fingerprint, seconds) VALUES (%s, %s)", [fingerprint, seconds])


def prepare_database(url: str, *, log=print) -> dict:
    """Create, migrate and seed the bench database unless the marker says it is
    already seeded from the same migrations, seed code and arguments. A changed
    fingerprint means a fresh database (seeding only ever adds rows)."""
    import django
    from django.core.management import call_command
    from django.db import connections

    ensure_database(url)
    django.setup()
    fingerprint = seed_fingerprint()
    if read_marker() == fingerprint:
        analyze()
        _dashboard_snapshots()
        return {"reused": True}
    log("bench: the seed changed or is missing; building the bench database from scratch …")
    connections.close_all()
    drop_database(url)
    ensure_database(url)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", people=SEED_ARGS["people"], weeks=SEED_ARGS["weeks"], verbosity=0,
                 stdout=open(os.devnull, "w"))
    bench_topup()
    analyze()
    _dashboard_snapshots()
    seconds = time.perf_counter() - started
    read_marker()  # creates the table
    write_marker(fingerprint, seconds)
    log(f"bench: seeded in {seconds:.0f} s")
    return {"reused": False, "seconds": round(seconds, 1)}


def _dashboard_snapshots() -> None:
    """Dashboards read snapshots ending "today": refresh them on every run (about a second per
    org), so the web and query sections measure the HR dashboard API as it serves in production."""
    from django.core.management import call_command

    call_command("metrics_recompute", stdout=open(os.devnull, "w"))


def analyze() -> None:
    """Fresh planner statistics: right after a bulk seed Postgres still believes
    the tables are nearly empty and picks plans no production database would
    (a 100 ms sort of 10,000 people instead of an index scan)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def demo_member(role: str, slug: str = ORG_SLUG):
    from mentoring.models import Membership

    return Membership.unscoped.select_related("organization", "user").get(
        organization__slug=slug, email=f"{role}@{slug}.example")


def bench_topup(slug: str = ORG_SLUG, weeks: int = 50) -> None:
    """Give the demo mentor and mentee a year of history if the seed has none
    yet, so their pages show full lists: a logged 30-minute session a week with
    an open and a done next step, a survey answer and kudos, and two upcoming
    sessions. Only when the pair has no session at all (a richer seed wins)."""
    from datetime import datetime, timedelta
    from datetime import timezone as dt_timezone

    from django.db import transaction
    from django.utils import timezone

    from sessions_app.models import Kudos, MentoringSession, NextStep, SurveyResponse, TimeClaim

    mentor, mentee = demo_member("mentor", slug), demo_member("mentee", slug)
    org = mentor.organization
    if MentoringSession.objects.for_org(org).filter(mentee=mentee).exists():
        return
    today = timezone.now().astimezone(dt_timezone.utc).date()
    monday = today - timedelta(days=today.weekday())
    # Wednesdays 12:00 UTC of the past weeks, Thursdays of the next two: never clash.
    starts = [(monday - timedelta(weeks=k) + timedelta(days=2), True) for k in range(1, weeks + 1)]
    starts += [(monday + timedelta(weeks=k) + timedelta(days=3), False) for k in (1, 2)]
    sessions = []
    for day, past in starts:
        start = datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt_timezone.utc)
        sessions.append(MentoringSession(
            organization=org, mentor=mentor, mentee=mentee, start=start, end=start + timedelta(minutes=30),
            booked_by=mentee, status=MentoringSession.Status.DONE if past else MentoringSession.Status.BOOKED,
            logged_at=start + timedelta(minutes=30) if past else None, logged_by=mentor if past else None,
            actual_minutes=30 if past else None, outcome_type="code_review" if past else ""))
    with transaction.atomic():
        MentoringSession.unscoped.bulk_create(sessions)
        TimeClaim.unscoped.bulk_create([TimeClaim(organization=org, session=s, membership=p, start=s.start,
                                                  end=s.end) for s in sessions for p in (mentor, mentee)])
        logged = [s for s in sessions if s.status == MentoringSession.Status.DONE]
        NextStep.unscoped.bulk_create(
            [NextStep(organization=org, session=s, owner=mentee, title=f"Next step of week {i}", kind="code_review",
                      due_date=s.start.date() + timedelta(days=7 + 3 * (i % 5)),
                      done_at=None if i % 3 == 0 else s.end + timedelta(days=2)) for i, s in enumerate(logged)]
            + [NextStep(organization=org, session=s, owner=mentor, title=f"Introduction {i}", kind="introduction",
                        due_date=s.start.date() + timedelta(days=5), done_at=s.end + timedelta(days=1))
               for i, s in enumerate(logged[::4])])
        SurveyResponse.unscoped.bulk_create([SurveyResponse(organization=org, session=s, respondent=mentee,
                                                            usefulness=3 + i % 3) for i, s in enumerate(logged)])
        Kudos.unscoped.bulk_create([Kudos(organization=org, giver=mentee, receiver=mentor, session=s,
                                          message="Thanks for the review") for s in logged[::5]])
