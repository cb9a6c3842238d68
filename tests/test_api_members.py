"""Members, invitations and org policy through the API: managers act, other
roles get 403."""

import pytest

from mentoring.models import Invitation, Membership, Organization
from mentoring.services import invitation_create

ORG = "/api/v1/orgs/acme"


def test_every_member_can_list_members(manager, mentor, mentee, api_for):
    response = api_for(mentee).get(f"{ORG}/members/")
    assert response.status_code == 200
    assert [m["display_name"] for m in response.json()["results"]] == ["Maria Manager", "Mina Mentee", "Otto Mentor"]


def test_members_filter_by_role_and_active(manager, mentor, mentee, api_for):
    mentee.is_active = False
    mentee.save()
    api = api_for(manager)
    assert [m["display_name"] for m in api.get(f"{ORG}/members/?role=mentor").json()["results"]] == ["Otto Mentor"]
    assert [m["display_name"] for m in api.get(f"{ORG}/members/?active=false").json()["results"]] == ["Mina Mentee"]
    assert api.get(f"{ORG}/members/").json()["count"] == 3


def test_members_filter_with_an_unknown_role_is_a_400(manager, api_for):
    response = api_for(manager).get(f"{ORG}/members/?role=boss")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_manager_changes_a_members_roles(manager, mentee, api_for):
    response = api_for(manager).patch(f"{ORG}/members/{mentee.id}/", {"roles": ["mentor", "mentee"]}, format="json")
    assert response.status_code == 200
    assert response.json()["roles"] == ["mentor", "mentee"]
    mentee.refresh_from_db()
    assert mentee.is_mentor and mentee.is_mentee


def test_unknown_role_is_a_field_error(manager, mentee, api_for):
    response = api_for(manager).patch(f"{ORG}/members/{mentee.id}/", {"roles": ["boss"]}, format="json")
    assert response.status_code == 400
    assert "roles" in response.json()["errors"]


def test_the_last_manager_cannot_drop_their_own_manager_role(manager, api_for):
    response = api_for(manager).patch(f"{ORG}/members/{manager.id}/", {"roles": ["mentor"]}, format="json")
    assert response.status_code == 409


def test_manager_deactivates_and_reactivates_a_member(manager, mentee, api_for):
    api = api_for(manager)
    response = api.post(f"{ORG}/members/{mentee.id}/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert api_for(mentee).get(f"{ORG}/members/").status_code == 404  # no longer inside the org
    response = api.post(f"{ORG}/members/{mentee.id}/reactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is True


@pytest.mark.parametrize("method, path, body", [
    ("patch", "members/{id}/", {"roles": ["manager"]}),
    ("post", "members/{id}/deactivate/", None),
    ("post", "members/{id}/reactivate/", None),
    ("get", "invitations/", None),
    ("post", "invitations/", {"email": "new@acme.test", "roles": ["mentee"]}),
    ("delete", "invitations/{invitation}/", None),
    ("patch", "policy/", {"mentee_weekly_cap": 1}),
    ("get", "people/export/", None),
    ("post", "people/import/?apply=1", None),
    ("patch", "people/{id}/", {"title": "Boss"}),
])
@pytest.mark.parametrize("role", ["mentee", "mentor", "hr"])
def test_members_without_the_manager_role_get_403(request, manager, mentor, method, path, body, role, api_for):
    member = request.getfixturevalue(role)
    invitation = invitation_create(actor=manager, email="pending@acme.test", roles=["mentee"])
    url = f"{ORG}/" + path.format(id=mentor.id if role != "mentor" else manager.id, invitation=invitation.id)
    response = getattr(api_for(member), method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("This needs the manager role")
    assert Invitation.objects.for_org(manager.organization).get(pk=invitation.pk).status == "pending"
    assert Organization.objects.get(pk=manager.organization_id).mentee_weekly_cap == 2


def test_manager_invites_a_person(manager, api_for, mailoutbox, django_capture_on_commit_callbacks):
    api = api_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{ORG}/invitations/", {"email": "New@Acme.test", "roles": ["mentor"]}, format="json")
    assert response.status_code == 201
    assert response.json()["email"] == "new@acme.test"
    assert response.json()["roles"] == ["mentor"] and response.json()["status"] == "pending"
    assert "token" not in response.json()
    assert [m.to for m in mailoutbox] == [["new@acme.test"]]
    listed = api.get(f"{ORG}/invitations/").json()["results"]
    assert [(i["email"], i["invited_by"]) for i in listed] == [("new@acme.test", "manager@acme.test")]


def test_inviting_with_a_bad_email_is_a_field_error(manager, api_for):
    response = api_for(manager).post(f"{ORG}/invitations/", {"email": "nope", "roles": ["mentee"]}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_inviting_an_existing_member_is_a_409(manager, mentee, api_for):
    response = api_for(manager).post(f"{ORG}/invitations/", {"email": mentee.email, "roles": ["mentor"]},
                                     format="json")
    assert response.status_code == 409
    assert "email" in response.json()["errors"]


def test_revoking_an_invitation_twice_is_a_409(manager, api_for):
    invitation = invitation_create(actor=manager, email="pending@acme.test", roles=["mentee"])
    api = api_for(manager)
    assert api.delete(f"{ORG}/invitations/{invitation.id}/").status_code == 204
    assert Invitation.objects.for_org(manager.organization).get(pk=invitation.pk).status == "revoked"
    assert api.delete(f"{ORG}/invitations/{invitation.id}/").status_code == 409


def test_every_member_reads_the_policy(manager, mentee, api_for):
    response = api_for(mentee).get(f"{ORG}/policy/")
    assert response.status_code == 200
    assert response.json()["mentee_weekly_cap"] == 2 and response.json()["slug"] == "acme"


def test_manager_updates_the_policy(manager, api_for):
    response = api_for(manager).patch(f"{ORG}/policy/", {"mentee_weekly_cap": 1, "session_min_minutes": 20},
                                      format="json")
    assert response.status_code == 200
    org = Organization.objects.get(slug="acme")
    assert (org.mentee_weekly_cap, org.session_min_minutes, org.session_max_minutes) == (1, 20, 30)


@pytest.mark.parametrize("body, field", [
    ({"mentee_weekly_cap": 3}, "mentee_weekly_cap"),
    ({"session_min_minutes": 10}, "session_min_minutes"),
    ({"session_min_minutes": 25, "session_max_minutes": 20}, "session_max_minutes"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"k_anonymity": "many"}, "k_anonymity"),
])
def test_invalid_policy_is_a_400_with_the_field_message(manager, api_for, body, field):
    response = api_for(manager).patch(f"{ORG}/policy/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field]
    assert Organization.objects.get(slug="acme").mentee_weekly_cap == 2


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "-" * 36, "0" * 32 + "g"])
def test_malformed_ids_in_urls_are_404(manager, api_for, bad_id):
    api = api_for(manager)
    for path in ("members", "people"):
        assert api.get(f"{ORG}/{path}/{bad_id}/").status_code == 404
        assert api.patch(f"{ORG}/{path}/{bad_id}/", {}, format="json").status_code == 404
    assert api.post(f"{ORG}/members/{bad_id}/deactivate/").status_code == 404
    assert api.delete(f"{ORG}/invitations/{bad_id}/").status_code == 404
    assert api.delete(f"/api/v1/tokens/{bad_id}/").status_code == 404
    assert Membership.objects.for_org(manager.organization).count() == 1
