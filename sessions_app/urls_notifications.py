"""The notification centre and reminder preferences, included under /o/<slug:org_slug>/."""

from django.urls import path

from .views import notifications

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<uuid:notification_id>/read/", notifications.notification_read, name="notification_read"),
    path("notifications/preferences/", notifications.notification_preferences, name="notification_preferences"),
    path("notifications/kinds/", notifications.nudge_kinds, name="nudge_kinds"),
]
