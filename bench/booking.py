"""Booking under contention: many parallel clients (threads, each with its own
database connection) book through the real ``session_book`` on Postgres into
few slots, in a scratch org that is deleted afterwards.

Three races, each with a result that does not depend on who wins:
- overlap: clusters of 30-minute starts 0/5/10 minutes apart for one mentor,
  each tried by 8 different mentees → exactly one booking per cluster;
- mentee cap: each mentee tries 5 sessions (different mentors and days) in one
  week with a cap of 2 → exactly 2 per mentee;
- mentor cap: each mentor is tried by 20 different mentees at separate times
  with a cap of 8 → exactly 8 per mentor.
So the theoretical maximum of successes is known. Afterwards SQL checks that
no person holds two overlapping active time claims or sessions, and no one is
over a weekly cap. Baseline: the same number of plain session INSERTs by the
same threads (no locks, no checks), in the same run.
"""

from __future__ import annotations

import queue
import random
import statistics
import threading
import time
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import connection, connections
from django.urls import reverse

from .common import figure

CLIENTS = 16
MENTEE_CAP, MENTOR_CAP = 2, 8
SEED = 7


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else (samples[0] if samples else 0.0)


def _plan(org, scale: float):
    """Memberships and the attempts (mentor, mentee, start) of the three races,
    and the number of bookings that must succeed."""
    from mentoring.models import Membership

    clusters = max(2, round(20 * scale))
    cap_mentees = max(2, round(40 * scale))
    cap_mentors = max(1, round(10 * scale))
    today = datetime.now(dt_timezone.utc).date()
    monday = today + timedelta(days=21 - today.weekday())  # three weeks ahead, a whole ISO week

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        d = monday + timedelta(days=day)
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=dt_timezone.utc)

    made = []

    def person(kind: str) -> Membership:
        n = len(made)
        made.append(Membership(organization=org, email=f"{kind}{n}@bench.example", display_name=f"{kind} {n}",
                               is_mentor=kind == "mentor", is_mentee=kind == "mentee", time_zone="UTC"))
        return made[-1]

    attempts = []
    # Overlap race: 4 clusters per mentor (9, 11, 13, 15 h Monday), 8 mentees each.
    for c in range(clusters):
        if c % 4 == 0:
            mentor = person("mentor")
        for r in range(8):
            attempts.append((mentor, person("mentee"), at(0, 9 + 2 * (c % 4), 5 * (r % 3))))
    # Mentee cap race: mentee i tries day j with mentor (i + j) % n, so each mentor is tried 5 times on 5 days.
    mentors = [person("mentor") for _ in range(cap_mentees)]
    for i in range(cap_mentees):
        mentee = person("mentee")
        for j in range(5):
            attempts.append((mentors[(i + j) % cap_mentees], mentee, at(j, 10)))
    # Mentor cap race: 20 separate hours over the week, each a different mentee.
    for _ in range(cap_mentors):
        mentor = person("mentor")
        for a in range(20):
            attempts.append((mentor, person("mentee"), at(a // 4, 13 + a % 4)))
    expected = clusters + cap_mentees * MENTEE_CAP + cap_mentors * MENTOR_CAP
    return made, attempts, expected


def _run_clients(attempts, call) -> tuple[float, list[float], list]:
    """Every client takes attempts from one queue until it is empty; returns
    wall seconds, per-attempt seconds and outcomes (result or exception)."""
    work = queue.Queue()
    for item in attempts:
        work.put(item)
    latencies, outcomes, lock = [], [], threading.Lock()
    ready = threading.Barrier(CLIENTS + 1)

    def client():
        try:
            connection.ensure_connection()  # connect before the clock starts
            ready.wait()
            while True:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    outcome = call(*item)
                except Exception as error:  # judged below: domain refusals are expected
                    outcome = error
                with lock:
                    latencies.append(time.perf_counter() - started)
                    outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, outcomes


def _invariants(org) -> tuple[int, int]:
    """(double bookings, cap violations) over the org's rows, in SQL."""
    from sessions_app.models import MentoringSession, TimeClaim

    claims, sessions = TimeClaim._meta.db_table, MentoringSession._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT count(*) FROM {claims} a JOIN {claims} b
              ON a.membership_id = b.membership_id AND a.id < b.id AND a.active AND b.active
             AND a.start < b."end" AND b.start < a."end"
             WHERE a.organization_id = %(org)s""", {"org": org.pk})
        claim_overlaps = cursor.fetchone()[0]
        # The sessions themselves, whatever their claims say.
        cursor.execute(f"""
            WITH p AS (SELECT id, mentor_id AS person, start, "end" FROM {sessions}
                        WHERE organization_id = %(org)s AND status <> 'cancelled'
                       UNION ALL
                       SELECT id, mentee_id, start, "end" FROM {sessions}
                        WHERE organization_id = %(org)s AND status <> 'cancelled')
            SELECT count(*) FROM p a JOIN p b ON a.person = b.person AND a.id < b.id
               AND a.start < b."end" AND b.start < a."end" """, {"org": org.pk})
        session_overlaps = cursor.fetchone()[0]
        cursor.execute(f"""
            SELECT count(*) FROM (
              SELECT 1 FROM {sessions} WHERE organization_id = %(org)s AND status <> 'cancelled'
               GROUP BY mentee_id, date_trunc('week', start AT TIME ZONE 'UTC') HAVING count(*) > %(mentee_cap)s
              UNION ALL
              SELECT 1 FROM {sessions} WHERE organization_id = %(org)s AND status <> 'cancelled'
               GROUP BY mentor_id, date_trunc('week', start AT TIME ZONE 'UTC') HAVING count(*) > %(mentor_cap)s
            ) over_cap""", {"org": org.pk, "mentee_cap": MENTEE_CAP, "mentor_cap": MENTOR_CAP})
        cap_violations = cursor.fetchone()[0]
    return claim_overlaps + session_overlaps, cap_violations


def run(ctx=None) -> list[dict]:
    from mentoring.errors import DomainError
    from mentoring.models import Membership, Organization
    from sessions_app.models import MentoringSession
    from sessions_app.services.booking import session_book

    scale = getattr(ctx, "scale", 1.0)
    reverse("org_home", args=["warm-up"])  # the URLconf import (~seconds) must not land in a booking's time
    org = Organization.objects.create(slug=f"bench-booking-{uuid.uuid4().hex[:8]}", name="Bench booking",
                                      time_zone="UTC", mentee_weekly_cap=MENTEE_CAP, mentor_weekly_cap=MENTOR_CAP)
    try:
        people, attempts, expected = _plan(org, scale)
        Membership.unscoped.bulk_create(people)
        random.Random(SEED).shuffle(attempts)

        def book(mentor, mentee, start):
            return session_book(actor=mentee, mentor=mentor, mentee=mentee, start=start, minutes=30)

        seconds, latencies, outcomes = _run_clients(attempts, book)
        successes = sum(isinstance(o, MentoringSession) for o in outcomes)
        unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)]
        double, over_cap = _invariants(org)

        def insert(mentor, mentee, start):
            return MentoringSession.objects.for_org(org).create(
                organization=org, mentor=mentor, mentee=mentee, start=start, end=start + timedelta(minutes=30),
                booked_by=mentee)

        base_seconds, base_latencies, base_outcomes = _run_clients(attempts, insert)
        base_failed = sum(isinstance(o, Exception) for o in base_outcomes)
    finally:
        MentoringSession.objects.for_org(org).delete()  # sessions PROTECT their people
        org.delete()

    n = len(attempts)
    note = f"{n} attempts by {CLIENTS} clients; {successes} booked, {n - successes - len(unexpected)} refused"
    rate, base_rate = n / seconds, n / base_seconds
    return [
        figure("booking.attempts_per_s", round(rate, 1), "bookings/s", baseline=round(base_rate, 1), note=note +
               (f"; baseline: {base_failed} inserts failed" if base_failed else "")),
        figure("booking.p95_ms", round(_p95(latencies) * 1000, 1), "ms",
               baseline=round(_p95(base_latencies) * 1000, 1)),
        figure("booking.successes", successes, "bookings", baseline=expected, goal="= theoretical maximum",
               met=successes == expected),
        figure("booking.double_bookings", double, "overlaps", goal="= 0", met=double == 0),
        figure("booking.cap_violations", over_cap, "person-weeks", goal="= 0", met=over_cap == 0),
        figure("booking.unexpected_errors", len(unexpected), "errors", goal="= 0", met=not unexpected,
               note="; ".join(sorted({f"{type(e).__name__}: {e}" for e in unexpected}))[:300] or None),
    ]
