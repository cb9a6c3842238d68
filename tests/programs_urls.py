"""The root URLconf plus the program routes, for the program tests until
mentoring/urls.py includes them (then this module is redundant, not wrong:
the first match wins and both name the same views)."""

from django.urls import include, path

from mentoring.urls import urlpatterns as root

urlpatterns = [
    path("o/<slug:org_slug>/", include("mentoring.urls_programs")),
    path("api/v1/orgs/<slug:org_slug>/", include("mentoring.api_programs_urls")),
    *root,
]
