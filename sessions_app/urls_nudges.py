"""Nudge pages of the second part (suggested slots, digest, activity, webhook), under /o/<slug:org_slug>/."""

from django.urls import path

from .views import nudges_pages as pages

urlpatterns = [
    path("book/suggested/", pages.book_suggested, name="book_suggested"),
    path("digest/", pages.digest, name="digest"),
    path("nudges/activity/", pages.nudge_activity, name="nudge_activity"),
    path("nudges/<uuid:nudge_id>/retry/", pages.nudge_retry_view, name="nudge_retry"),
    path("webhook/", pages.webhook_settings, name="webhook_settings"),
    path("webhook/rotate/", pages.webhook_rotate, name="webhook_rotate"),
    path("webhook/test/", pages.webhook_test_view, name="webhook_test"),
    path("webhook/deliveries/<uuid:delivery_id>/retry/", pages.webhook_delivery_retry,
         name="webhook_delivery_retry"),
]
