"""Root-level URLs of sessions_app (included at "" by mentoring/urls.py)."""

from django.urls import path

from .feeds import calendar_feed_view
from .views.notifications import unsubscribe

urlpatterns = [
    path("calendar/<str:secret>.ics", calendar_feed_view, name="calendar_feed"),
    path("unsubscribe/<str:token>/", unsubscribe, name="nudge_unsubscribe"),
]
