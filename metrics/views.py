"""HR and manager dashboards: the page, each chart (SVG), the CSV export of
every table, and the manager's on-demand recompute with its progress."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from mentoring.views.base import org_view

from mentoring.outbox import enqueue_on_commit
from . import charts
from .dashboard import FilterError, dashboard_figures, parse_filter, tables
from .selectors import PERIODS, dashboard_choices
from .tasks import progress_get, progress_set, snapshots_recompute_task

VIEWERS = ("hr", "manager")


def _week_label(day: int) -> str:
    return f"{date.fromordinal(day):%d %b %Y}"


def _filtered(request, org):
    """-> (filter or None, field errors)."""
    try:
        return parse_filter(org, request.GET), {}
    except FilterError as error:
        return None, error.errors


@org_view(*VIEWERS)
@require_GET
def dashboard(request, org, membership):
    flt, errors = _filtered(request, org)
    context = {"choices": dashboard_choices(org), "periods": PERIODS, "errors": errors, "flt": flt,
               "k": org.k_anonymity, "params": request.GET}
    status = 400 if errors else 200
    if flt:
        payload, as_of, from_snapshot = dashboard_figures(org, flt)
        query = "&".join(f"{key}={value}" for key, value in flt.query().items())
        context |= {"tables": tables(payload, org.k_anonymity, _week_label), "as_of": as_of,
                    "from_snapshot": from_snapshot, "query": query,
                    "comments": (payload.get("sentiment") or {}).get("comments", []),
                    "group": payload.get("group", {}), "progress": progress_get(str(org.pk))}
    return render(request, "metrics/dashboard.html", context, status=status)


@org_view(*VIEWERS)
@require_GET
def dashboard_chart(request, org, membership, chart):
    if chart not in charts.CHARTS:
        raise Http404("No such chart.")
    flt, errors = _filtered(request, org)
    if errors:
        return HttpResponse("; ".join(m for ms in errors.values() for m in ms), status=400,
                            content_type="text/plain; charset=utf-8")
    payload, _, _ = dashboard_figures(org, flt)
    response = HttpResponse(charts.chart_svg(chart, payload, org.k_anonymity), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


@org_view(*VIEWERS)
@require_GET
def dashboard_export(request, org, membership):
    """Every table of the current filter (or one, ``?table=<id>``) as CSV: the
    same cells as the page, suppressed figures included as "fewer than k"."""
    flt, errors = _filtered(request, org)
    if errors:
        return HttpResponse("; ".join(m for ms in errors.values() for m in ms), status=400,
                            content_type="text/plain; charset=utf-8")
    payload, as_of, _ = dashboard_figures(org, flt)
    wanted = request.GET.get("table", "")
    found = [t for t in tables(payload, org.k_anonymity, _week_label) if not wanted or t["id"] == wanted]
    if wanted and not found:
        raise Http404("No such table.")
    out = io.StringIO()
    writer = csv.writer(out)
    # The title holds names people typed (team, program, cohort): "# " first keeps a spreadsheet from
    # reading it as a formula. Every other cell is a label or a number we wrote.
    writer.writerow(["# " + flt.title, f"{flt.frm} to {flt.to}", f"as of {as_of:%Y-%m-%d %H:%M %Z}" if as_of else ""])
    for table in found:
        writer.writerow([])
        writer.writerow([table["title"]])
        writer.writerow(table["columns"])
        writer.writerows(table["rows"])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = wanted or "dashboard"
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-{name}-{flt.frm}-{flt.to}.csv"'
    return response


@org_view("manager")
@require_POST
def dashboard_recompute(request, org, membership):
    """Queue a recompute of the org's snapshots now; the page shows its progress."""
    progress_set(str(org.pk), status="queued", progress=0, stage="Queued")
    enqueue_on_commit(snapshots_recompute_task, str(org.pk))
    target = reverse("metrics_dashboard", args=[org.slug])
    if request.htmx:
        return render(request, "metrics/_recompute_progress.html",
                      {"org": org, "progress": progress_get(str(org.pk))})
    return redirect(target)


@org_view("manager")
@require_GET
def dashboard_recompute_progress(request, org, membership):
    return render(request, "metrics/_recompute_progress.html",
                  {"org": org, "progress": progress_get(str(org.pk)), "now": timezone.now()})
