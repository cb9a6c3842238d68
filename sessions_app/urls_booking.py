"""Booking and availability pages, included under /o/<slug:org_slug>/."""

from django.urls import path

from .views import booking

urlpatterns = [
    path("availability/", booking.availability, name="availability"),
    path("availability/focus/", booking.focus_block_add, name="focus_block_add"),
    path("availability/focus/<uuid:block_id>/remove/", booking.focus_block_remove, name="focus_block_remove"),
    path("availability/calendars/upload/", booking.calendar_upload, name="calendar_upload"),
    path("availability/calendars/subscribe/", booking.calendar_subscribe, name="calendar_subscribe"),
    path("availability/calendars/<uuid:calendar_id>/sync/", booking.calendar_sync, name="calendar_sync"),
    path("availability/calendars/<uuid:calendar_id>/delete/", booking.calendar_delete, name="calendar_delete"),
    path("availability/feed/rotate/", booking.calendar_feed_rotate_view, name="calendar_feed_rotate"),
    path("book/", booking.book, name="book"),
    path("sessions/<uuid:session_id>/reschedule/", booking.session_reschedule_view, name="session_reschedule"),
    path("sessions/<uuid:session_id>/cancel/", booking.session_cancel_view, name="session_cancel"),
]
