"""HTML pages of one organisation, included under /o/<slug:org_slug>/.
Every view takes org_slug and is wrapped in ``org_view``."""

from django.urls import path

from .views import members, org_settings, people

urlpatterns = [
    path("people/", people.people_list, name="people_list"),
    path("people/export.csv", people.people_export, name="people_export"),
    path("people/import/", people.people_import, name="people_import"),
    path("people/import/template.csv", people.people_import_template, name="people_import_template"),
    path("people/import/<uuid:import_id>/", people.people_import_preview, name="people_import_preview"),
    path("people/<uuid:person_id>/", people.person_detail, name="person_detail"),
    path("people/<uuid:person_id>/edit/", people.person_edit, name="person_edit"),
    path("members/", members.members, name="members"),
    path("members/<uuid:member_id>/roles/", members.member_roles, name="member_roles"),
    path("members/<uuid:member_id>/deactivate/", members.member_deactivate, name="member_deactivate"),
    path("members/<uuid:member_id>/reactivate/", members.member_reactivate, name="member_reactivate"),
    path("invitations/", members.invitations, name="invitations"),
    path("invitations/<uuid:invitation_id>/revoke/", members.invitation_revoke, name="invitation_revoke"),
    path("settings/", org_settings.org_settings, name="org_settings"),
]

from .views import audit  # noqa: E402 - appended: the audit log (managers)

urlpatterns += [
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export.csv", audit.audit_log_export, name="audit_log_export"),
]

from .views import data_rights  # noqa: E402 - appended: data rights (own export; erasure by managers)

urlpatterns += [
    path("me/data/", data_rights.my_data, name="my_data"),
    path("me/data/export.json", data_rights.my_data_export, name="my_data_export"),
    path("members/<uuid:member_id>/erase/", data_rights.member_erase, name="member_erase"),
]
