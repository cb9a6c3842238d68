"""Metrics pages, included under /o/<slug:org_slug>/metrics/ (mentoring/urls.py).

Two areas share this file; each keeps to its own marked block so they merge cleanly.
"""

from django.urls import include, path

urlpatterns: list = []

# --- events (metrics-data) ---
urlpatterns += [
    path("", include("metrics.urls_events")),
]
# --- end events (metrics-data) ---

# --- dashboards (metrics-dash) ---
from . import views as dashboard_views  # noqa: E402

urlpatterns += [
    path("dashboard/", dashboard_views.dashboard, name="metrics_dashboard"),
    path("dashboard/export.csv", dashboard_views.dashboard_export, name="metrics_dashboard_export"),
    path("dashboard/charts/<slug:chart>.svg", dashboard_views.dashboard_chart, name="metrics_dashboard_chart"),
    path("dashboard/recompute/", dashboard_views.dashboard_recompute, name="metrics_recompute"),
    path("dashboard/recompute/progress/", dashboard_views.dashboard_recompute_progress,
         name="metrics_recompute_progress"),
]
# --- end dashboards (metrics-dash) ---
