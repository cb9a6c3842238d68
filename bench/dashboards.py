"""Dashboards (issue 6) on the bench DB (``seed_demo --people 10000 --weeks 52``):

- ``dashboards.api_p95_ms``: the HR dashboard API (org, last 13 weeks) served
  from its snapshot, in-process through the whole Django stack with a Bearer
  token; baseline: one raw SQL aggregate over the same rows (sessions, next
  steps, survey answers, role events of the org in the same period).
- ``dashboards.full_recompute_s``: every snapshot of the org (all scopes, the
  three standard periods) recomputed and rewritten; baseline: the same raw SQL
  aggregate once per standard period.
- ``dashboards.incremental_10k_s``: 10,000 new role events inserted in one
  transaction, then the refresh they enqueue run inline; rolled back afterwards.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test import Client

from .common import demo_member, figure

REQUESTS = 200
RAW_SQL = """
SELECT
  (SELECT row(count(*) FILTER (WHERE s.status = 'done'),
              count(*) FILTER (WHERE s.status <> 'cancelled'))
     FROM sessions_app_mentoringsession s
    WHERE s.organization_id = %(org)s AND s.start >= %(start)s AND s.start < %(end)s)::text,
  (SELECT row(count(*) FILTER (WHERE n.done_at::date <= n.due_date), count(*),
              percentile_cont(0.5) WITHIN GROUP (ORDER BY n.done_at::date - n.created_at::date))
     FROM sessions_app_nextstep n
    WHERE n.organization_id = %(org)s AND n.due_date BETWEEN %(frm)s AND %(to)s)::text,
  (SELECT row(avg(r.usefulness), count(*) FILTER (WHERE r.usefulness >= 4), count(DISTINCT r.respondent_id))
     FROM sessions_app_surveyresponse r
    WHERE r.organization_id = %(org)s AND r.created_at >= %(start)s AND r.created_at < %(end)s)::text,
  (SELECT row(count(*) FILTER (WHERE e.kind = 'promotion'), count(*) FILTER (WHERE e.kind = 'transfer'),
              count(DISTINCT e.member_id))
     FROM metrics_roleevent e
    WHERE e.organization_id = %(org)s AND e.effective_on BETWEEN %(frm)s AND %(to)s)::text
"""


def _p95(samples):
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def _raw_params(org, frm, to):
    tz = ZoneInfo(org.time_zone)
    return {"org": org.pk, "frm": frm, "to": to,
            "start": datetime.combine(frm, datetime.min.time(), tzinfo=tz),
            "end": datetime.combine(to + timedelta(days=1), datetime.min.time(), tzinfo=tz)}


def _raw_aggregate(params) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, params)
        cursor.fetchall()
    return time.perf_counter() - started


def run(ctx=None) -> list[dict]:
    from mentoring.models import ApiToken, Membership
    from mentoring.services import token_issue
    from metrics import snapshots
    from metrics.models import MetricSnapshot, RoleEvent
    from metrics.selectors import PERIODS, standard_period

    slug = getattr(ctx, "org_slug", "northwind")
    hr = demo_member("hr", slug)
    org = hr.organization
    periods = [standard_period(org, key) for key in PERIODS]

    # Full recompute (the nightly job for this org) vs the raw aggregate once per period.
    started = time.perf_counter()
    rows = snapshots.snapshots_recompute_full(org)
    full_s = time.perf_counter() - started
    raw_full_s = sum(_raw_aggregate(_raw_params(org, frm, to)) for frm, to in periods)
    scopes = MetricSnapshot.objects.for_org(org).order_by().values("scope", "scope_key").distinct().count()

    # API p95 from snapshots vs the raw aggregate over the same rows.
    _, raw_token = token_issue(user=hr.user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    path = f"/api/v1/orgs/{slug}/metrics/dashboard/?period=13w"
    first = client.get(path)
    api_ms = []
    for _ in range(REQUESTS):
        t = time.perf_counter()
        response = client.get(path)
        api_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    frm, to = standard_period(org, "13w")
    raw_params = _raw_params(org, frm, to)
    raw_ms = [_raw_aggregate(raw_params) * 1000 for _ in range(REQUESTS)]
    from_snapshot = first.json().get("from_snapshot")

    # Incremental: 10,000 new role events in one transaction, then the refresh (inline), rolled back.
    rng = random.Random(6)
    people = list(Membership.objects.for_org(org).values_list("id", flat=True))
    today = periods[0][1]
    with transaction.atomic():
        try:
            started = time.perf_counter()
            events = {}
            while len(events) < 10_000:
                member, day = rng.choice(people), today - timedelta(days=rng.randrange(1, 360))
                kind = rng.choice(("promotion", "transfer"))
                events[(member, kind, day)] = RoleEvent(organization=org, member_id=member, kind=kind,
                                                        effective_on=day, source="api")
            RoleEvent.unscoped.bulk_create(list(events.values()), batch_size=2000, ignore_conflicts=True)
            inserted_s = time.perf_counter() - started
            written = snapshots.snapshots_refresh(org)
            incremental_s = time.perf_counter() - started
        finally:
            transaction.set_rollback(True)

    ApiToken.objects.filter(name="bench", user=hr.user).delete()
    note = f"{rows} snapshot rows over {scopes} scopes × {len(periods)} periods"
    api_p95 = _p95(api_ms)
    return [
        figure("dashboards.api_p95_ms", round(api_p95, 2), "ms", baseline=round(_p95(raw_ms), 2), goal="< 50 ms",
               met=api_p95 < 50 and bool(from_snapshot),
               note=f"{REQUESTS} requests, org scope, 13 weeks, from snapshot: {from_snapshot}; "
                    "baseline: raw SQL aggregate over the same rows"),
        figure("dashboards.full_recompute_s", round(full_s, 3), "s", baseline=round(raw_full_s, 3), goal="< 3 s",
               met=full_s < 3, note=note + "; baseline: raw SQL aggregate once per period (org scope only)"),
        figure("dashboards.incremental_10k_s", round(incremental_s, 3), "s", baseline=round(full_s, 3),
               note=f"insert {inserted_s:.2f} s + refresh (whole org, {written} rows changed); "
                    "baseline: the full recompute"),
    ]
