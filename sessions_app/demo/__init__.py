"""Session history for ``manage.py seed_demo --weeks W``.

For each organisation: working windows and focus blocks for some people,
mentor–mentee pairs (about one mentor per ``cohort_ratio`` mentees; the demo
mentor and mentee are a pair), W weeks of past sessions ending at the org's
*anchor* (the day it was first seeded, as for people), a few upcoming ones in
the two weeks after it, logs with next steps, private notes, surveys and kudos.

Rules kept by construction, because rows are inserted directly (no services):

- nobody has two overlapping active sessions (the Postgres exclusion
  constraint on ``TimeClaim`` would refuse the whole batch otherwise);
- a mentee has at most the org's weekly cap of sessions per ISO week in their
  own zone, a mentor at most theirs (cancelled ones count too: simpler, safe);
- sessions last 15–30 minutes (org policy), inside both people's working
  windows and outside their focus blocks, after both were hired;
- every logged session has at least one next step; nothing "done" lies after
  the anchor, nothing "upcoming" before the end of the anchor day.

Deterministic: one ``random.Random`` per org drawn from the seed, people in
email order, even the row ids come from it. Idempotent: an org that already
has any session is left alone — its history is there, or real bookings that
seeded rows could collide with. Fast: rows are built in memory as tuples and
written table by table (``COPY`` on Postgres, ``bulk_create`` in batches
elsewhere): a fixed number of queries per org, none per row.
"""

from __future__ import annotations

import random
import time
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from mentoring.models import Organization

from ..models import MentoringSession
# The steps, one module each; re-exported: mentoring/demo_network.py and metrics/demo.py write with _write and _uuid.
from .history import HistorySummary, _History  # noqa: F401
from .pairs import _pair  # noqa: F401
from .people import Person, _load_people, _seed_availability  # noqa: F401
from .writing import BATCH, _uuid, _write  # noqa: F401


def seed(*, slugs: list[str], weeks: int, seed: int) -> list[HistorySummary]:
    """History for the orgs in ``slugs`` (their index names their random stream)."""
    summaries = []
    for org_index, slug in enumerate(slugs):
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A seed that a crash loses is simply rolled back: no need to wait for the disk at commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            org = Organization.objects.get(slug=slug)
            summaries.append(seed_org(org, org_index=org_index, weeks=weeks, seed=seed))
        summaries[-1].seconds = time.monotonic() - started  # with the commit: deferred foreign-key checks run there
    return summaries


def seed_org(org: Organization, *, org_index: int, weeks: int, seed: int) -> HistorySummary:
    summary = HistorySummary(slug=org.slug)
    if weeks <= 0 or MentoringSession.objects.for_org(org).exists():
        summary.skipped = True
        return summary
    rng = random.Random(f"{seed}:{org_index}:history")
    org_tz = ZoneInfo(org.time_zone)
    anchor = org.created_at.astimezone(org_tz).date()
    people = _load_people(org)
    _seed_availability(org, rng, people)
    pairs = _pair(org, rng, people, anchor)
    summary.pairs = len(pairs)
    history = _History(org, rng, anchor, weeks, people)
    history.plan(pairs)
    history.colleague_kudos()
    history.write(summary)
    # Programs with past published cohorts from these pairs, and external mentors' terms (issue 3).
    from mentoring import demo_programs

    summary.programs = demo_programs.seed_org(org, pairs=[(mentee.id, mentor.id) for mentee, mentor in pairs],
                                              anchor=anchor, weeks=weeks, rng=rng)
    return summary

