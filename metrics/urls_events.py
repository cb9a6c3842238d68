"""Role events, ramp milestones and their import (managers and HR); personal
views. Included by metrics/urls.py under /o/<slug:org_slug>/metrics/."""

from django.urls import path

from . import views_events as views
from . import views_personal

urlpatterns = [
    path("events/", views.role_event_list, name="role_event_list"),
    path("events/new/", views.role_event_create, name="role_event_create"),
    path("events/<uuid:event_id>/edit/", views.role_event_edit, name="role_event_edit"),
    path("events/<uuid:event_id>/delete/", views.role_event_delete, name="role_event_delete"),
    path("ramp/definitions/", views.ramp_definition_list, name="ramp_definition_list"),
    path("ramp/definitions/<uuid:definition_id>/edit/", views.ramp_definition_edit, name="ramp_definition_edit"),
    path("ramp/definitions/<uuid:definition_id>/delete/", views.ramp_definition_delete,
         name="ramp_definition_delete"),
    path("ramp/milestones/", views.ramp_milestone_list, name="ramp_milestone_list"),
    path("ramp/milestones/new/", views.ramp_milestone_create, name="ramp_milestone_create"),
    path("ramp/milestones/<uuid:milestone_id>/delete/", views.ramp_milestone_delete, name="ramp_milestone_delete"),
    path("import/", views.event_import, name="event_import"),
    path("import/<uuid:import_id>/", views.event_import_preview, name="event_import_preview"),
    path("import/template/<str:kind>.csv", views.event_import_template, name="event_import_template"),
    path("me/", views_personal.my_progress, name="my_progress"),
]
