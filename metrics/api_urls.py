"""``/api/v1/orgs/<org_slug>/metrics/``. Included in mentoring/urls.py before
mentoring.api_urls (whose catch-all answers unknown paths).

Two areas share this file; each keeps to its own marked block so they merge cleanly.
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

router = SimpleRouter()

# --- events (metrics-data) ---
from . import api_events  # noqa: E402

router.register("role-events", api_events.RoleEventViewSet, basename="api-role-event")
router.register("ramp-definitions", api_events.RampDefinitionViewSet, basename="api-ramp-definition")
router.register("ramp-milestones", api_events.RampMilestoneViewSet, basename="api-ramp-milestone")
# --- end events (metrics-data) ---

# --- dashboards (metrics-dash) ---
from . import api as dashboard_api  # noqa: E402

router.register("dashboard", dashboard_api.DashboardViewSet, basename="api-metrics-dashboard")
# --- end dashboards (metrics-dash) ---

urlpatterns = [path("", include(router.urls))]
