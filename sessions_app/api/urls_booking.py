"""Booking and availability API, included under /api/v1/orgs/<slug:org_slug>/.
Basenames start with ``booking-``: ``sessions/`` list/retrieve live in urls_loop."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import booking

router = SimpleRouter()
router.register("sessions", booking.BookingSessionViewSet, basename="booking-session")
router.register("calendars", booking.CalendarViewSet, basename="booking-calendar")

slots = booking.SlotsViewSet.as_view({"get": "suggest"})
availability = booking.AvailabilityViewSet.as_view({"get": "retrieve", "put": "update"})

urlpatterns = [
    path("slots/", slots, name="booking-slots"),
    path("availability/", availability, name="booking-availability"),
    path("", include(router.urls)),
]
