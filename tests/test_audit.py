"""The audit log: each audited use case writes exactly one event with its
before/after, events are append-only, managers read and export them, nobody
else does."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse

from mentoring import services
from mentoring.audit import audit_record, audit_redact_member
from mentoring.errors import Conflict
from mentoring.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def events(org, action=None):
    qs = AuditEvent.objects.for_org(org)
    return list(qs.filter(action=action) if action else qs)


def only_event(org, action):
    found = events(org, action)
    assert len(found) == 1, found
    return found[0]


# --- Each use case writes one event ---------------------------------------------------------

def test_role_change_records_roles_before_and_after(manager, mentee):
    services.membership_set_roles(actor=manager, membership=mentee, roles=["mentee", "mentor"])
    event = only_event(manager.organization, "membership.roles")
    assert (event.before, event.after) == ({"roles": ["mentee"]}, {"roles": ["mentor", "mentee"]})
    assert (event.actor_membership, event.target_type, event.target_id) == (manager, "membership", str(mentee.pk))


def test_role_change_that_changes_nothing_records_nothing(manager, mentee):
    services.membership_set_roles(actor=manager, membership=mentee, roles=["mentee"])
    assert events(manager.organization) == []


def test_refused_role_change_leaves_no_event(manager):
    with pytest.raises(Conflict):
        services.membership_set_roles(actor=manager, membership=manager, roles=["mentor"])
    assert events(manager.organization) == []


def test_deactivation_and_reactivation_are_recorded(manager, mentor):
    services.membership_deactivate(actor=manager, membership=mentor)
    services.membership_reactivate(actor=manager, membership=mentor)
    off = only_event(manager.organization, "membership.deactivate")
    on = only_event(manager.organization, "membership.reactivate")
    assert (off.before, off.after, on.before, on.after) == (
        {"is_active": True}, {"is_active": False}, {"is_active": False}, {"is_active": True})


def test_reactivating_an_active_member_records_nothing(manager, mentor):
    services.membership_reactivate(actor=manager, membership=mentor)
    assert events(manager.organization) == []


def test_invitation_create_revoke_and_accept_are_recorded(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invitation_create(actor=manager, email="new@acme.test", roles=["mentor"])
    services.invitation_revoke(actor=manager, invitation=first)
    second = services.invitation_create(actor=manager, email="new@acme.test", roles=["mentee"])
    joined = services.invitation_accept(token=second.token, user=UserFactory(email="new@acme.test"))
    org = manager.organization
    created = events(org, "invitation.create")
    revoked = only_event(org, "invitation.revoke")
    accepted = only_event(org, "invitation.accept")
    assert [e.after["roles"] for e in created] == [["mentee"], ["mentor"]]  # newest first
    assert (revoked.target_id, revoked.after) == (str(first.pk), {"status": "revoked"})
    assert (accepted.actor_membership, accepted.before, accepted.after["roles"]) == (joined, None, ["mentee"])


def test_policy_change_records_only_the_changed_settings(manager):
    org = manager.organization
    services.org_policy_update(actor=manager, org=org, mentee_weekly_cap=1, cohort_ratio=org.cohort_ratio)
    event = only_event(org, "policy.update")
    assert (event.before, event.after) == ({"mentee_weekly_cap": 2}, {"mentee_weekly_cap": 1})


def test_people_import_apply_is_recorded_with_its_counts(manager):
    upload = services.people_import_upload(
        actor=manager, filename="people.csv",
        content=b"email,display_name\nada@acme.test,Ada\nbob@acme.test,Bob\n")
    services.people_import_apply(actor=manager, people_import=upload)
    event = only_event(manager.organization, "people.import")
    assert (event.target_id, event.after["rows"], event.after["created"]) == (str(upload.pk), 2, 2)


def test_token_creation_and_revocation_are_recorded_in_each_org_of_the_user(manager, org_b):
    elsewhere = MembershipFactory(organization=org_b, user=manager.user, email=manager.email, is_mentee=True)
    token, _ = services.token_issue(user=manager.user, name="CI")
    services.token_revoke(user=manager.user, token=token)
    created_here = only_event(manager.organization, "token.create")
    created_there = only_event(org_b, "token.create")
    revoked = only_event(manager.organization, "token.revoke")
    assert (created_here.target_id, created_there.actor_membership, revoked.after) == (
        str(token.pk), elsewhere, {"revoked": True})


def test_html_people_export_is_recorded_with_the_client_ip(manager, client_for):
    response = client_for(manager).get(reverse("people_export", args=["acme"]), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    event = only_event(manager.organization, "people.export")
    assert (event.after["rows"], event.ip, event.actor_user) == (1, "203.0.113.9", manager.user)


def test_api_people_export_is_recorded(manager, api_for):
    response = api_for(manager).get("/api/v1/orgs/acme/people/export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert only_event(manager.organization, "people.export").after == {"rows": 1, "format": "csv"}


# --- Append-only ----------------------------------------------------------------------------------

@pytest.fixture
def event(manager):
    return audit_record(org=manager.organization, actor=manager, action="policy.update",
                        target=manager.organization, before={"k_anonymity": 5}, after={"k_anonymity": 7})


def test_an_audit_event_cannot_be_changed(event):
    event.after = {"k_anonymity": 5}
    with pytest.raises(PermissionError):
        event.save()


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()


def test_audit_events_cannot_be_bulk_updated_or_deleted(event):
    scoped = AuditEvent.objects.for_org(event.organization)
    with pytest.raises(PermissionError):
        scoped.update(action="x")
    with pytest.raises(PermissionError):
        scoped.delete()


def test_the_admin_offers_no_add_change_or_delete(event, rf):
    model_admin = admin_site._registry[AuditEvent]
    request = rf.get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    assert (model_admin.has_add_permission(request), model_admin.has_change_permission(request, event),
            model_admin.has_delete_permission(request, event)) == (False, False, False)


def test_erasing_a_person_redacts_their_name_and_email_from_the_log(manager, mentee):
    services.membership_set_roles(actor=manager, membership=mentee, roles=["mentor"])
    services.invitation_create(actor=manager, email="later@acme.test", roles=["mentee"])
    audit_record(org=manager.organization, actor=mentee, action="people.export", target=manager.organization,
                 after={"note": f"by {mentee.email}"})
    audit_redact_member(org=manager.organization, membership=mentee)
    dump = repr([(e.actor_label, e.target_label, e.before, e.after) for e in events(manager.organization)])
    assert mentee.email not in dump and mentee.display_name not in dump
    assert len(events(manager.organization)) == 3


# --- Reading: managers only -------------------------------------------------------------------------

def test_managers_see_the_audit_log_filtered_by_action(manager, mentee, client_for):
    services.membership_set_roles(actor=manager, membership=mentee, roles=["mentor"])
    services.membership_deactivate(actor=manager, membership=mentee)
    response = client_for(manager).get(reverse("audit_log", args=["acme"]), {"action": "membership.roles"})
    assert response.status_code == 200
    assert [e.action for e in response.context["page"].object_list] == ["membership.roles"]


@pytest.mark.parametrize("role", ["mentor", "mentee", "hr"])
def test_members_without_the_manager_role_get_403_for_the_audit_log(role, request, client_for):
    client = client_for(request.getfixturevalue(role))
    pages = [client.get(reverse(name, args=["acme"])).status_code for name in ("audit_log", "audit_log_export")]
    assert pages == [403, 403]


@pytest.mark.parametrize("role", ["mentor", "mentee", "hr"])
def test_members_without_the_manager_role_get_403_for_the_audit_api(role, request, api_for):
    assert api_for(request.getfixturevalue(role)).get("/api/v1/orgs/acme/audit/").status_code == 403


def test_an_outsider_gets_404_for_another_orgs_audit_log(manager, outsider, client_for, api_for):
    client, api = client_for(outsider), api_for(outsider)
    statuses = [client.get(reverse("audit_log", args=["acme"])).status_code,
                client.get(reverse("audit_log_export", args=["acme"])).status_code,
                api.get("/api/v1/orgs/acme/audit/").status_code]
    assert statuses == [404, 404, 404]


def test_the_api_lists_the_orgs_events_for_managers(manager, mentee, outsider, api_for):
    services.membership_deactivate(actor=manager, membership=mentee)
    services.org_policy_update(actor=outsider, org=outsider.organization, k_anonymity=9)
    body = api_for(manager).get("/api/v1/orgs/acme/audit/", {"action": "membership.deactivate"}).json()
    assert [(e["action"], e["target_id"], e["after"]) for e in body["results"]] == [
        ("membership.deactivate", str(mentee.pk), {"is_active": False})]


def test_an_unknown_action_filter_is_a_400_in_the_api(manager, api_for):
    response = api_for(manager).get("/api/v1/orgs/acme/audit/", {"action": "nope"})
    assert (response.status_code, list(response.json()["errors"])) == (400, ["action"])


def test_the_csv_export_has_every_event_and_is_itself_audited(manager, mentee, client_for):
    services.membership_set_roles(actor=manager, membership=mentee, roles=["mentor"])
    response = client_for(manager).get(reverse("audit_log_export", args=["acme"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert [(r["action"], r["before"], r["after"]) for r in rows] == [
        ("membership.roles", '{"roles": ["mentee"]}', '{"roles": ["mentor"]}')]
    assert only_event(manager.organization, "audit.export").after == {"rows": 1, "action_filter": None}


def test_csv_export_neutralises_formula_cells(manager, client_for):
    evil = MembershipFactory(organization=manager.organization, display_name="=HYPERLINK(1)", is_mentee=True)
    services.membership_deactivate(actor=manager, membership=evil)
    body = client_for(manager).get(reverse("audit_log_export", args=["acme"])).content.decode()
    assert "'=HYPERLINK(1)" in body



def test_deleting_a_person_keeps_their_events_with_the_label(manager, mentee):
    services.membership_deactivate(actor=manager, membership=mentee)
    audit_record(org=manager.organization, actor=mentee, action="people.export", target=manager.organization)
    mentee.user.delete()
    mentee.delete()
    by_mentee = only_event(manager.organization, "people.export")
    assert (by_mentee.actor_membership, by_mentee.actor_user, by_mentee.actor_label) == (
        None, None, "Mina Mentee <mentee@acme.test>")
