"""The manager's pages: members (roles, deactivation), invitations, settings."""

import pytest
from django.core import mail
from django.urls import reverse

from mentoring import services
from mentoring.models import Invitation, Organization

pytestmark = pytest.mark.django_db


def test_members_page_lists_active_and_deactivated_apart(client_for, manager, mentee, mentor):
    services.membership_deactivate(actor=manager, membership=mentor)
    context = client_for(manager).get(reverse("members", args=["acme"])).context
    assert mentee in context["active"].object_list and mentor not in context["active"].object_list
    assert list(context["inactive"].object_list) == [mentor]


def test_members_page_query_count_does_not_grow(client_for, manager, django_assert_num_queries):
    from tests.factories import PersonFactory

    client = client_for(manager)
    PersonFactory.create_batch(20, organization=manager.organization)
    # user, memberships (this org's and the org switcher's), active count + rows, inactive count
    with django_assert_num_queries(6):
        client.get(reverse("members", args=["acme"]))


def test_a_manager_changes_roles(client_for, manager, mentee):
    url = reverse("member_roles", args=["acme", mentee.pk])
    response = client_for(manager).post(url, {"roles": ["mentor", "mentee"]})
    assert response.status_code == 302
    mentee.refresh_from_db()
    assert mentee.roles == ["mentor", "mentee"]


def test_removing_every_role_is_refused_with_a_message(client_for, manager, mentee):
    response = client_for(manager).post(reverse("member_roles", args=["acme", mentee.pk]), {})
    assert response.status_code == 400 and "Pick at least one role" in response.content.decode()


def test_the_last_manager_cannot_drop_their_manager_role(client_for, manager):
    response = client_for(manager).post(reverse("member_roles", args=["acme", manager.pk]), {"roles": ["mentor"]})
    assert response.status_code == 409 and "at least one active program manager" in response.content.decode()
    manager.refresh_from_db()
    assert manager.is_manager


def test_deactivation_asks_for_confirmation_first(client_for, manager, mentee):
    url = reverse("member_deactivate", args=["acme", mentee.pk])
    client = client_for(manager)
    page = client.get(url)
    mentee.refresh_from_db()
    assert page.status_code == 200 and 'method="post"' in page.content.decode() and mentee.is_active
    assert client.post(url).status_code == 302
    mentee.refresh_from_db()
    assert not mentee.is_active and mentee.deactivated_at is not None


def test_a_deactivated_member_loses_access_and_can_be_reactivated(client_for, manager, mentee):
    client = client_for(manager)
    client.post(reverse("member_deactivate", args=["acme", mentee.pk]))
    assert client_for(mentee).get(reverse("org_home", args=["acme"])).status_code == 404
    client.post(reverse("member_reactivate", args=["acme", mentee.pk]))
    assert client_for(mentee).get(reverse("org_home", args=["acme"])).status_code == 200


def test_deactivating_the_last_manager_is_refused(client_for, manager):
    response = client_for(manager).post(reverse("member_deactivate", args=["acme", manager.pk]))
    assert response.status_code == 409
    manager.refresh_from_db()
    assert manager.is_active


def test_a_manager_invites_someone_by_email(client_for, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(reverse("invitations", args=["acme"]),
                                            {"email": "New@Acme.test", "roles": ["mentor"]})
    assert response.status_code == 302
    invitation = Invitation.objects.for_org(manager.organization).get()
    assert (invitation.email, invitation.roles) == ("new@acme.test", ["mentor"])
    assert mail.outbox[0].to == ["new@acme.test"]


def test_inviting_needs_a_valid_email_and_a_role(client_for, manager):
    response = client_for(manager).post(reverse("invitations", args=["acme"]), {"email": "nope"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "roles"}


def test_inviting_a_current_member_is_a_field_error(client_for, manager, mentee):
    response = client_for(manager).post(reverse("invitations", args=["acme"]),
                                        {"email": mentee.email, "roles": ["mentor"]})
    assert response.status_code == 409 and "already a member" in response.context["form"].errors["email"][0]


def test_invitations_list_shows_each_status(client_for, manager):
    from datetime import timedelta

    from django.utils import timezone

    pending = services.invitation_create(actor=manager, email="a@acme.test", roles=["mentee"])
    revoked = services.invitation_create(actor=manager, email="b@acme.test", roles=["mentee"])
    services.invitation_revoke(actor=manager, invitation=revoked)
    expired = services.invitation_create(actor=manager, email="c@acme.test", roles=["mentee"])
    Invitation.objects.for_org(manager.organization).filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(days=1))
    body = client_for(manager).get(reverse("invitations", args=["acme"])).content.decode()
    for status in ("pending", "revoked", "expired"):
        assert f'badge-{status}">{status}' in body
    assert reverse("invitation_revoke", args=["acme", pending.pk]) in body


def test_revoking_an_invitation_confirms_then_revokes(client_for, manager):
    invitation = services.invitation_create(actor=manager, email="a@acme.test", roles=["mentee"])
    url = reverse("invitation_revoke", args=["acme", invitation.pk])
    client = client_for(manager)
    assert "Revoke invitation" in client.get(url).content.decode()
    client.post(url)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert "no longer open" in client.post(url, follow=True).content.decode()


def policy(**changes):
    data = {"name": "Acme Corp", "time_zone": "America/New_York", "session_min_minutes": 15,
            "session_max_minutes": 25, "mentee_weekly_cap": 1, "mentor_weekly_cap": 6, "cohort_ratio": 5,
            "k_anonymity": 7, "timebank_starting_grant": 90}
    data.update(changes)
    return data


def test_a_manager_updates_the_policy(client_for, manager):
    response = client_for(manager).post(reverse("org_settings", args=["acme"]), policy())
    assert response.status_code == 302
    org = Organization.objects.get(slug="acme")
    assert (org.name, org.time_zone, org.session_max_minutes, org.mentee_weekly_cap, org.k_anonymity,
            org.timebank_starting_grant) == ("Acme Corp", "America/New_York", 25, 1, 7, 90)


@pytest.mark.parametrize("field, value", [
    ("session_min_minutes", 10), ("session_max_minutes", 45), ("mentee_weekly_cap", 3),
    ("time_zone", "Mars/Olympus"), ("k_anonymity", 1), ("cohort_ratio", "many"),
    ("timebank_starting_grant", -5),
])
def test_bad_policy_values_are_field_errors(client_for, manager, field, value):
    response = client_for(manager).post(reverse("org_settings", args=["acme"]), policy(**{field: value}))
    assert response.status_code == 400 and field in response.context["form"].errors


def test_a_minimum_above_the_maximum_is_refused(client_for, manager):
    response = client_for(manager).post(reverse("org_settings", args=["acme"]),
                                        policy(session_min_minutes=30, session_max_minutes=20))
    assert response.status_code == 400 and "session_max_minutes" in response.context["form"].errors
