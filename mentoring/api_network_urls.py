"""``/api/v1/orgs/<org_slug>/``: mentor directory listings, session requests, time-bank.
Included in mentoring/urls.py before mentoring.api_urls (whose catch-all answers unknown paths)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api_network

router = SimpleRouter()
router.register("listings", api_network.ListingViewSet, basename="api-listing")
router.register("session-requests", api_network.SessionRequestViewSet, basename="api-session-request")
router.register("time-accounts", api_network.TimeAccountViewSet, basename="api-time-account")
router.register("time-entries", api_network.TimeEntryViewSet, basename="api-time-entry")

urlpatterns = [path("", include(router.urls))]
