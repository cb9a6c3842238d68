"""User-level pages: sign-in and sign-up (allauth in our layout), accepting
an invitation, personal API tokens."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.auth import INVITATION_SESSION_KEY
from mentoring.models import ApiToken, Invitation, Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def invitation(manager):
    return services.invitation_create(actor=manager, email="newbie@acme.test", roles=["mentor"])


def invite_url(invitation):
    return reverse("invitation_accept", args=[invitation.token])


# --- Sign-in and sign-up -------------------------------------------------------------

def test_the_login_page_uses_our_layout_and_labels_every_field(client):
    body = client.get(reverse("account_login")).content.decode()
    assert 'id="main"' in body and "Skip to main content" in body
    assert '<label for="id_login">' in body and '<label for="id_password">' in body


def test_signing_in_with_the_form_lands_in_the_org(client, mentee, password):
    response = client.post(reverse("account_login"), {"login": mentee.email, "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("org_home", args=["acme"])


def test_signup_is_closed_without_an_invitation(client):
    response = client.get(reverse("account_signup"))
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert "Sign up is closed" in response.content.decode()


def test_signup_opens_with_an_invitation_in_the_session(client, invitation):
    client.get(invite_url(invitation))
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "account/signup.html" in [t.name for t in response.templates]
    assert client.session[INVITATION_SESSION_KEY] == invitation.token


def test_create_your_account_posts_to_the_signup_form(client, invitation):
    response = client.post(invite_url(invitation))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_signup"))


def test_signing_up_through_an_invitation_makes_a_membership(client, invitation):
    client.get(invite_url(invitation))
    client.post(reverse("account_signup"), {"email": "newbie@acme.test", "password1": "a-Long-pass-phrase-42",
                                            "password2": "a-Long-pass-phrase-42"})
    member = Membership.objects.for_org(invitation.organization).get(email="newbie@acme.test")
    assert member.user is not None and member.is_mentor


def test_allauth_manage_pages_use_our_layout(client, mentee):
    body = signed_in(client, mentee.user).get(reverse("account_email")).content.decode()
    assert 'aria-label="Account settings"' in body and 'id="main"' in body


# --- Invitation acceptance -----------------------------------------------------------

def test_an_anonymous_visitor_sees_the_invitation_with_both_choices(client, invitation):
    body = client.get(invite_url(invitation)).content.decode()
    assert "Create your account" in body
    assert f'{reverse("account_login")}?next={invite_url(invitation)}' in body


def test_a_signed_in_user_with_the_invited_email_gets_a_membership(client, invitation):
    user = UserFactory(email="newbie@acme.test")
    response = signed_in(client, user).post(invite_url(invitation))
    assert response.status_code == 302 and response["Location"] == reverse("org_home", args=["acme"])
    assert Membership.objects.for_org(invitation.organization).get(user=user).is_mentor


def test_a_signed_in_user_with_another_email_gets_a_clear_error(client, invitation):
    user = UserFactory(email="someone-else@acme.test")
    response = signed_in(client, user).post(invite_url(invitation))
    assert response.status_code == 400
    assert "This invitation is for newbie@acme.test" in response.content.decode()
    assert not Membership.objects.for_org(invitation.organization).filter(user=user).exists()


def test_an_expired_invitation_shows_the_invalid_page(client, invitation):
    Invitation.objects.for_org(invitation.organization).filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(invite_url(invitation))
    assert response.status_code == 404
    assert "invitation_invalid.html" in [t.name for t in response.templates]


def test_an_unknown_invitation_token_shows_the_invalid_page(client, db):
    assert client.get(reverse("invitation_accept", args=["nope"])).status_code == 404


# --- API tokens ------------------------------------------------------------------------

def test_creating_a_token_shows_it_once(client_for, mentee):
    client = client_for(mentee)
    first = client.post(reverse("api_tokens"), {"name": "Reports"}, follow=True).content.decode()
    token = ApiToken.objects.get(user=mentee.user)
    raw = first.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert ApiToken.hash(raw) == token.digest
    assert raw not in client.get(reverse("api_tokens")).content.decode()


def test_the_token_list_shows_name_prefix_and_last_use(client_for, mentee):
    token, raw = services.token_issue(user=mentee.user, name="Nightly sync")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    body = client_for(mentee).get(reverse("api_tokens")).content.decode()
    assert "Nightly sync" in body and f"{token.prefix}…" in body and raw not in body and "never" not in body


def test_a_token_name_that_is_too_long_is_a_field_error(client_for, mentee):
    response = client_for(mentee).post(reverse("api_tokens"), {"name": "x" * 81})
    assert response.status_code == 400 and "name" in response.context["form"].errors


def test_revoking_a_token_confirms_then_revokes(client_for, mentee):
    token, _ = services.token_issue(user=mentee.user, name="CI")
    url = reverse("api_token_revoke", args=[token.pk])
    client = client_for(mentee)
    assert "Revoke token" in client.get(url).content.decode()
    client.post(url)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_is_not_found(client_for, mentee, mentor):
    token, _ = services.token_issue(user=mentor.user, name="theirs")
    url = reverse("api_token_revoke", args=[token.pk])
    client = client_for(mentee)
    assert (client.get(url).status_code, client.post(url).status_code) == (404, 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_page_needs_sign_in(client, db):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_member_of_two_orgs_sees_the_org_list_at_home(client_for, mentee, org_b):
    MembershipFactory(organization=org_b, user=mentee.user, email=mentee.email)
    response = client_for(mentee).get(reverse("home"))
    assert [m.organization.slug for m in response.context["memberships"]] == ["acme", "globex"]
