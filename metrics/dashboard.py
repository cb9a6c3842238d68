"""What a dashboard request asks for (the filter) and what it shows (tables).

Pages, CSV, charts and the API all go through :func:`dashboard_figures`, so
they show the same numbers; the tables are built from the payload after the
k rule, so nothing suppressed can reach any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import Http404
from django.utils import timezone

from mentoring.models import Membership
from mentoring.models_programs import Cohort, Program
from mentoring.tenancy import org_get_or_404

from .models import MetricSnapshot
from .selectors import DEFAULT_PERIOD, PERIODS, latest_snapshot, org_today, standard_period
from .signals_hooks import enqueue_refresh
from .snapshots import dashboard_live

Scope = MetricSnapshot.Scope
MAX_CUSTOM_DAYS = 731


@dataclass
class DashboardFilter:
    program: Program | None = None
    cohort: Cohort | None = None
    team: str = ""
    period: str = DEFAULT_PERIOD  # a PERIODS key, or "custom"
    frm: date | None = None
    to: date | None = None

    @property
    def scope(self) -> tuple[str, str]:
        if self.cohort:
            return Scope.COHORT, str(self.cohort.pk)
        if self.program:
            return Scope.PROGRAM, str(self.program.pk)
        if self.team:
            return Scope.TEAM, self.team
        return Scope.ORG, ""

    @property
    def from_snapshots(self) -> bool:
        return self.period != "custom" and not (self.team and (self.program or self.cohort))

    def query(self) -> dict:
        q = {"period": self.period}
        if self.program:
            q["program"] = str(self.program.pk)
        if self.cohort:
            q["cohort"] = str(self.cohort.pk)
        if self.team:
            q["team"] = self.team
        if self.period == "custom":
            q |= {"from": self.frm.isoformat(), "to": self.to.isoformat()}
        return q

    @property
    def title(self) -> str:
        parts = [str(self.cohort) if self.cohort else self.program.name if self.program else "Whole organisation"]
        if self.team:
            parts.append(f"team {self.team}")
        return " · ".join(parts)


class FilterError(ValueError):
    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def parse_filter(org, params, now: datetime | None = None) -> DashboardFilter:
    """Ids are looked up inside the org (another org's id is a 404); bad dates
    raise FilterError with field messages."""
    flt = DashboardFilter()
    if params.get("cohort"):
        flt.cohort = _in_org(Cohort, org, params["cohort"])
        if flt.cohort.is_draft:
            raise Http404("No such cohort.")
        flt.program = flt.cohort.program
    elif params.get("program"):
        flt.program = _in_org(Program, org, params["program"])
    team = (params.get("team") or "").strip()
    if "\x00" in team or len(team) > 80:
        raise FilterError({"team": ["No such team in this organisation."]})
    if team:
        if not Membership.objects.for_org(org).filter(team=team).exists():
            raise FilterError({"team": ["No such team in this organisation."]})
        flt.team = team
    period = params.get("period") or DEFAULT_PERIOD
    if period in PERIODS:
        flt.period = period
        flt.frm, flt.to = standard_period(org, period, now)
        return flt
    if period != "custom":
        raise FilterError({"period": [f"Choose one of {', '.join(PERIODS)} or custom."]})
    errors = {}
    dates = {}
    for name in ("from", "to"):
        try:
            dates[name] = date.fromisoformat(params.get(name) or "")
        except ValueError:
            errors[name] = ["Enter a date as YYYY-MM-DD."]
    if not errors:
        if dates["from"] > dates["to"]:
            errors["to"] = ["The end must not be before the start."]
        elif dates["to"] - dates["from"] > timedelta(days=MAX_CUSTOM_DAYS):
            errors["from"] = ["At most two years at once."]
        elif dates["to"] > org_today(org, now):
            errors["to"] = ["The end cannot be in the future."]
    if errors:
        raise FilterError(errors)
    flt.period, flt.frm, flt.to = "custom", dates["from"], dates["to"]
    return flt


def _in_org(model, org, value):
    """Another org's id, an unknown one and a malformed one are all 404."""
    return org_get_or_404(model, org, pk=value)


def dashboard_figures(org, flt: DashboardFilter) -> tuple[dict, datetime | None, bool]:
    """-> (payload, as of, from a snapshot?). A standard filter reads its
    snapshot (one query); anything else, or a snapshot not computed yet, is
    computed now with the same code and the same k rule."""
    if flt.from_snapshots:
        scope, key = flt.scope
        payload, as_of, period = latest_snapshot(org, scope, key, PERIODS[flt.period][1])
        if payload:
            if period != (flt.frm, flt.to):
                # Yesterday's figures (the org's day has turned since the last refresh): shown with their
                # own dates and "as of", while a refresh is queued.
                flt.frm, flt.to = period
                enqueue_refresh(str(org.pk))
            return payload, as_of, True
        enqueue_refresh(str(org.pk))  # none stored yet (a new org, a new team): the next read has one
    scope, key = flt.scope
    if flt.team:
        scope, key = (Scope.COHORT, str(flt.cohort.pk)) if flt.cohort else (
            (Scope.PROGRAM, str(flt.program.pk)) if flt.program else (Scope.ORG, ""))
    return dashboard_live(org, scope=scope, scope_key=key, team=flt.team, frm=flt.frm, to=flt.to), \
        timezone.now(), False


# --- Tables ------------------------------------------------------------------------------------

def _fmt(value, kind: str) -> str:
    if value is None:  # a Kaplan–Meier quantile that is never reached, or nothing to count
        return "not reached" if kind in ("days", "months") else "no data"
    if kind == "share":
        return f"{value * 100:.0f}%"
    if kind in ("days", "plain_days"):
        return f"{value:g} days"
    if kind == "months":
        return f"{value:.1f} months"
    if kind == "rate":
        return f"{value:.1f}"
    if kind == "mean":
        return f"{value:.2f}"
    return f"{value}"


def _row(label: str, fig: dict, key: str, kind: str, k: int) -> list[str]:
    if fig is None or fig.get("suppressed"):
        return [label, f"fewer than {k}", "—"]
    return [label, _fmt(fig.get(key), kind), str(fig.get("n", ""))]


def _dist_rows(fig: dict, key: str, count: str, k: int) -> list[list[str]]:
    if fig.get("suppressed"):
        return [[f"fewer than {k}", "—"]]
    return [[b["label"], str(b[count])] for b in fig.get(key, [])]


def tables(payload: dict, k: int, week_label=None) -> list[dict]:
    """Every table the dashboard shows (and exports), from a payload after the k rule."""
    if not payload:
        return []
    ramp, act, micro = payload["ramp"], payload["actions"], payload["micro_outcome"]
    touch, load, mob, sent = payload["touch"], payload["mentor_load"], payload["mobility"], payload["sentiment"]
    fig = ["Figure", "Value", "n (people)"]
    out = [
        {"id": "ramp", "title": "Ramp time", "columns": fig, "rows": [
            _row("Median (Kaplan–Meier)", ramp, "median_days", "days", k),
            _row("75th percentile", ramp, "p75_days", "days", k),
            _row("Ramped", ramp, "ramped", "count", k),
            _row("Not yet ramped (censored)", ramp, "censored", "count", k)]},
        {"id": "actions", "title": "Action completion", "columns": fig, "rows": [
            _row("Done on time (due in the period)", act["on_time"], "share", "share", k),
            _row("Done within 14 days of the session", act["within_14_days"], "share", "share", k),
            _row("Median days from creation to done", act["days_to_done"], "median_days", "plain_days", k)]},
        {"id": "micro_outcome", "title": "Micro-outcomes", "columns": fig, "rows": [
            _row("Logged sessions with a next step", micro, "rate", "share", k),
            _row("Sessions within the policy's length", micro, "within_bounds_share", "share", k),
            _row("Logged sessions", micro, "sessions", "count", k)]},
        {"id": "durations", "title": "Session length (logged sessions)", "columns": ["Minutes", "Sessions"],
         "rows": _dist_rows(micro, "durations", "sessions", k), "chart": "durations"},
        {"id": "touch", "title": "Touch frequency", "columns": fig, "rows": [
            _row("Sessions per mentee per week", touch, "mean_per_week", "mean", k),
            _row("Mentee-weeks over the cap", touch, "over_cap_share", "share", k),
            _row("Mentee-weeks in an active program", touch, "mentee_weeks", "count", k)]},
        {"id": "touch_distribution", "title": "Sessions in a mentee-week", "columns": ["Sessions", "Mentee-weeks"],
         "rows": _dist_rows(touch, "distribution", "mentee_weeks", k), "chart": "touch"},
        {"id": "mentor_load", "title": "Mentor load", "columns": fig, "rows": [
            _row("Sessions per mentor per week", load, "mean_per_week", "mean", k),
            _row("Share given by the top 10% of mentors", load, "top_share", "share", k),
            _row("Most sessions by one mentor in a week", load, "max_in_a_week", "count", k)]},
        {"id": "load_distribution", "title": "Mentors by sessions per week", "columns": ["Sessions a week",
                                                                                           "Mentors"],
         "rows": _dist_rows(load, "distribution", "mentors", k), "chart": "load"},
        {"id": "mobility", "title": "Internal mobility and promotion velocity", "columns": fig, "rows": [
            _row("Promotions per 100 person-years", mob, "promotions_per_100py", "rate", k),
            _row("Transfers per 100 person-years", mob, "transfers_per_100py", "rate", k),
            _row("Median months from role start to promotion",
                 mob.get("to_promotion") if not mob.get("suppressed") else mob, "median_months", "months", k)]},
        {"id": "sentiment", "title": "Sentiment", "columns": fig, "rows": [
            _row("Mean usefulness (1–5)", sent, "mean", "mean", k),
            _row("Answers of 4 or 5", sent, "share_4_5", "share", k)]},
        {"id": "sentiment_trend", "title": "Usefulness by week", "columns": ["Week of", "Mean", "n (people)"],
         "rows": _trend_rows(sent, k, week_label), "chart": "sentiment"},
        {"id": "comparison", "title": "Participants vs comparison group",
         "columns": ["Figure", "Participants", "n", "Comparison", "n", "Difference (90% interval)"],
         "rows": _comparison_rows(payload["comparison"], k), "chart": "comparison"},
    ]
    return out


def _trend_rows(sent, k, week_label) -> list[list[str]]:
    if sent.get("suppressed"):
        return [[f"fewer than {k}", "—", "—"]]
    label = week_label or (lambda day: date.fromordinal(day).isoformat())
    return [[label(t["week"]), f"fewer than {k}", "—"] if t.get("suppressed") else
            [label(t["week"]), _fmt(t["mean"], "mean"), str(t["n"])] for t in sent.get("trend", [])]


def _comparison_rows(cmp: dict, k: int) -> list[list[str]]:
    rows = []
    for key, label, kind in (("ramp_days", "Median ramp time", "days"),
                             ("months_to_promotion", "Median months to promotion", "months"),
                             ("promotions_per_100py", "Promotions per 100 person-years", "rate")):
        block = cmp.get(key, {})
        cells = [label]
        for side in ("participants", "comparison"):
            fig = block.get(side, {})
            if fig.get("suppressed"):
                cells += [f"fewer than {k}", "—"]
            else:
                cells += [_fmt(fig.get("median", fig.get("value")), kind), str(fig.get("n", ""))]
        diff = block.get("difference")
        if diff and diff.get("difference") is not None:
            unit = " days" if kind == "days" else " months"
            interval = (f" ({diff['low']:+.1f} to {diff['high']:+.1f})" if diff.get("low") is not None
                        else " (interval not estimable)")
            cells.append(f"{diff['difference']:+.1f}{unit}{interval}")
        else:
            cells.append("—")
        rows.append(cells)
    return rows
