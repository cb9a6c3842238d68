"""Snapshots: the dashboard figures computed ahead and stored (MetricSnapshot),
one row per org, scope, period and metric, with the k rule already applied.

- ``snapshots_refresh(org)``: recompute the org's standard periods and write the
  rows whose figures changed (the incremental update after events, sessions or
  next steps change; also the on-demand recompute of a manager).
- ``snapshots_full_recompute()``: every org, every row rewritten and flagged
  ``full_recompute`` (the nightly check), stale scopes removed.

Why a refresh recomputes the whole org rather than one scope: the comparison
group (people never in a program) and the differencing rule make every
program, cohort and team depend on the org's figures, so one person's change
can change any scope's payload. One load of the org (seven queries) feeds all
scopes and periods; the figures are numpy over arrays (see metrics/compute).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from mentoring.models import Organization

from .compute.groups import METRICS, group_payload, participants_mask
from .models import MetricSnapshot
from .selectors import PERIODS, OrgData, org_data, org_policy, standard_period

Scope = MetricSnapshot.Scope
STORED_METRICS = (*METRICS, "group")


def scope_groups(data: OrgData, frm: int, to: int):
    """Yield (scope, key, mask, parent key, comparison masks) in parent-first order."""
    h = data.history
    everyone = data.org_mask()
    joined = participants_mask(h, frm, to)
    yield Scope.ORG, "", everyone, None, None
    for program_id in data.programs:
        mask = data.program_mask(program_id)
        yield Scope.PROGRAM, str(program_id), mask, (Scope.ORG, ""), (mask & joined, everyone & ~joined)
    for cohort_id, (_, program_id, _) in data.cohorts.items():
        mask = data.cohort_mask(cohort_id)
        yield Scope.COHORT, str(cohort_id), mask, (Scope.PROGRAM, str(program_id)), (mask & joined,
                                                                                    everyone & ~joined)
    for team in data.teams:
        mask = data.team_mask(team)
        yield Scope.TEAM, team, mask, (Scope.ORG, ""), (mask & joined, mask & ~joined)


def compute_org(org, *, now: datetime | None = None, progress: Callable[[int, str], None] | None = None) -> dict:
    """-> {(scope, key, period_start, period_end): payload} for every standard period."""
    policy = org_policy(org)
    periods = {key: standard_period(org, key, now) for key in PERIODS}
    widest = min(frm for frm, _ in periods.values())
    data = org_data(org, widest, max(to for _, to in periods.values()))
    out = {}
    for step, (key, (frm_date, to_date)) in enumerate(periods.items()):
        frm, to = frm_date.toordinal(), to_date.toordinal()
        raws, sides = {}, {}
        history = data.history.window(frm, to)
        for scope, scope_key, mask, parent, comparison_of in scope_groups(data, frm, to):
            parent_arg = (raws[parent][0], raws[parent][1]) if parent else None
            payload, raw = group_payload(history, mask, frm, to, policy, comparison_of=comparison_of,
                                         parent=parent_arg, cache=sides)
            raws[(scope, scope_key)] = (mask, raw)
            out[(scope, scope_key, frm_date, to_date)] = payload
        if progress:
            progress(int(100 * (step + 1) / len(periods)), f"{PERIODS[key][0]} computed")
    return out


def _rows(org, computed: dict, at: datetime, full: bool) -> list[MetricSnapshot]:
    return [MetricSnapshot(organization=org, scope=scope, scope_key=key, metric=metric, period_start=frm,
                           period_end=to, payload=payload[metric], computed_at=at, full_recompute=full)
            for (scope, key, frm, to), payload in computed.items() for metric in STORED_METRICS]


def _write(org, rows: list[MetricSnapshot], *, only_changed: bool) -> int:
    existing = {}
    if only_changed:
        existing = {(s, k, m, a, b): p for s, k, m, a, b, p in MetricSnapshot.objects.for_org(org).values_list(
            "scope", "scope_key", "metric", "period_start", "period_end", "payload")}
        rows = [r for r in rows if existing.get((r.scope, r.scope_key, r.metric, r.period_start, r.period_end))
                != r.payload]
    # Every row names its organisation; bulk writes go through the plain manager.
    MetricSnapshot.unscoped.bulk_create(
        rows, batch_size=500, update_conflicts=True,
        unique_fields=["organization", "metric", "scope", "scope_key", "period_start", "period_end"],
        update_fields=["payload", "computed_at", "full_recompute"])
    return len(rows)


def _remove_stale(org, computed: dict) -> int:
    """Rows of scopes or periods that no longer exist (a deleted cohort, an old period)."""
    keep = {(s, k, a, b) for s, k, a, b in computed}
    stale = [pk for pk, s, k, a, b in MetricSnapshot.objects.for_org(org).values_list(
        "pk", "scope", "scope_key", "period_start", "period_end") if (s, k, a, b) not in keep]
    return MetricSnapshot.objects.for_org(org).filter(pk__in=stale).delete()[0] if stale else 0


def snapshots_refresh(org, *, now: datetime | None = None, progress=None) -> int:
    """Recompute the org and write the rows whose figures changed (-> rows written)."""
    computed = compute_org(org, now=now, progress=progress)
    at = timezone.now()
    with transaction.atomic():
        written = _write(org, _rows(org, computed, at, False), only_changed=True)
        _remove_stale(org, computed)
        # Unchanged rows were checked just now too: "as of" moves with them (one UPDATE).
        MetricSnapshot.objects.for_org(org).filter(computed_at__lt=at).update(computed_at=at)
    return written


def snapshots_recompute_full(org, *, now: datetime | None = None) -> int:
    computed = compute_org(org, now=now)
    with transaction.atomic():
        written = _write(org, _rows(org, computed, timezone.now(), True), only_changed=False)
        _remove_stale(org, computed)
    return written


def snapshots_full_recompute(*, now: datetime | None = None) -> dict[str, int]:
    """The nightly check: every org rewritten from scratch."""
    return {org.slug: snapshots_recompute_full(org, now=now) for org in Organization.objects.order_by("slug")}


def dashboard_live(org, *, scope: str, scope_key: str, team: str, frm: date, to: date) -> dict:
    """Figures computed now for a filter no snapshot holds (a custom period, or a
    team inside a program or cohort), with the same k rule against the parent."""
    policy = org_policy(org)
    data = org_data(org, frm, to)
    a, b = frm.toordinal(), to.toordinal()
    everyone = data.org_mask()
    joined = participants_mask(data.history, a, b)
    chain = [(everyone, None)]
    if scope == Scope.PROGRAM:
        chain.append((data.program_mask(_uuid(scope_key)), "comparison"))
    elif scope == Scope.COHORT:
        cohort = data.cohorts.get(_uuid(scope_key))
        if cohort:
            chain.append((data.program_mask(cohort[1]), "comparison"))
        chain.append((data.cohort_mask(_uuid(scope_key)), "comparison"))
    if team:
        chain.append((chain[-1][0] & data.team_mask(team), chain[-1][1]))
    parent, payload = None, {}
    for mask, kind in chain:
        comparison_of = (mask & joined, everyone & ~joined) if kind else None
        payload, raw = group_payload(data.history, mask, a, b, policy, comparison_of=comparison_of, parent=parent)
        parent = (mask, raw)
    return payload


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
