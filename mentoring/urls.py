from django.contrib import admin
from django.urls import include, path
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import core

urlpatterns = [
    path("healthz", core.healthz, name="healthz"),
    path("bench/", include("mentoring.urls_bench")),  # empty unless BENCH_BASELINES
    path("", core.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("invite/<str:token>/", core.invitation_accept_view, name="invitation_accept"),
    path("o/<slug:org_slug>/", core.org_home, name="org_home"),
    path("o/<slug:org_slug>/", include("mentoring.urls_org")),
    path("o/<slug:org_slug>/", include("sessions_app.urls_booking")),
    path("o/<slug:org_slug>/", include("sessions_app.urls_loop")),
    path("o/<slug:org_slug>/", include("sessions_app.urls_notifications")),
    path("o/<slug:org_slug>/", include("sessions_app.urls_nudges")),
    path("o/<slug:org_slug>/", include("mentoring.urls_programs")),
    path("o/<slug:org_slug>/", include("mentoring.urls_network")),
    path("o/<slug:org_slug>/", include("mentoring.urls_external")),
    path("o/<slug:org_slug>/metrics/", include("metrics.urls")),
    path("", include("mentoring.urls_account")),
    path("", include("sessions_app.urls")),
    # Before mentoring.api_urls: it ends in a catch-all that answers unknown API paths with a JSON 404.
    path("api/v1/orgs/<slug:org_slug>/", include("sessions_app.api.urls_booking")),
    path("api/v1/orgs/<slug:org_slug>/", include("sessions_app.api.urls_loop")),
    path("api/v1/orgs/<slug:org_slug>/", include("mentoring.api_programs_urls")),
    path("api/v1/orgs/<slug:org_slug>/", include("mentoring.api_network_urls")),
    path("api/v1/orgs/<slug:org_slug>/", include("mentoring.api_external_urls")),
    path("api/v1/orgs/<slug:org_slug>/metrics/", include("metrics.api_urls")),
    path("api/v1/", include("mentoring.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its init script from a URL (no inline script); Swagger UI
    # still needs inline styles, allowed on this page only.
    path("api/docs/", csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
        SpectacularSwaggerSplitView.as_view(url_name="api_schema")), name="api_docs"),
    path("admin/", admin.site.urls),
]
