"""Two-factor authentication enforceable per org for managers and HR (mentoring/mfa.py): pages send
them to the MFA setup page, the org API refuses with 403 and a message, tokens cannot be created;
other roles are unaffected; the policy change is audited. TOTP through allauth's own helpers."""

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP, format_hotp_value, generate_totp_secret, \
    hotp_value, yield_hotp_counters_from_time
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mentoring import services
from mentoring.errors import DomainError, NotPermitted
from mentoring.models import AuditEvent

pytestmark = pytest.mark.django_db


def with_totp(member):
    TOTP.activate(member.user, generate_totp_secret())
    return member


@pytest.fixture
def enforced(org_a, manager):
    with_totp(manager)
    services.org_policy_update(actor=manager, org=org_a, require_mfa_for_staff=True)
    org_a.refresh_from_db()
    return org_a


def home(org):
    return reverse("org_home", kwargs={"org_slug": org.slug})


def test_turning_the_policy_on_is_audited(enforced, manager):
    event = AuditEvent.objects.for_org(enforced).get(action="policy.update")
    assert (event.before, event.after, event.actor_membership) == (
        {"require_mfa_for_staff": False}, {"require_mfa_for_staff": True}, manager)


def test_a_manager_without_mfa_cannot_turn_it_on_and_lock_themself_out(org_a, manager):
    with pytest.raises(DomainError) as refused:
        services.org_policy_update(actor=manager, org=org_a, require_mfa_for_staff=True)
    assert "require_mfa_for_staff" in refused.value.errors


def test_the_settings_page_turns_it_on(org_a, manager, client_for):
    with_totp(manager)
    form = client_for(manager).get(reverse("org_settings", kwargs={"org_slug": org_a.slug})).context["form"]
    data = {**{k: v for k, v in form.initial.items() if v is not None}, "require_mfa_for_staff": "on"}

    response = client_for(manager).post(reverse("org_settings", kwargs={"org_slug": org_a.slug}), data)

    org_a.refresh_from_db()
    assert response.status_code == 302 and org_a.require_mfa_for_staff


def test_hr_without_mfa_is_sent_to_the_mfa_setup_page_with_a_message(enforced, hr, client_for):
    response = client_for(hr).get(home(enforced), follow=True)

    assert response.redirect_chain[0] == (reverse("mfa_index"), 302)
    assert "requires two-factor authentication for program managers and HR" in response.content.decode()


@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_other_roles_are_not_affected(role, enforced, mentor, mentee, client_for, api_for):
    member = {"mentor": mentor, "mentee": mentee}[role]
    assert client_for(member).get(home(enforced)).status_code == 200
    assert api_for(member).get(f"/api/v1/orgs/{enforced.slug}/people/").status_code == 200


def test_the_api_refuses_hr_without_mfa_with_a_message_on_session_and_token(org_a, manager, hr, client_for,
                                                                             api_for):
    token_client = api_for(hr)  # issued before the policy
    with_totp(manager)
    services.org_policy_update(actor=manager, org=org_a, require_mfa_for_staff=True)
    session_client = APIClient()
    session_client.force_login(hr.user)

    answers = [c.get(f"/api/v1/orgs/{org_a.slug}/people/") for c in (session_client, token_client)]

    assert [a.status_code for a in answers] == [403, 403]
    assert all("two-factor" in a.json()["detail"] for a in answers)


def test_no_token_can_be_created_until_mfa_is_on(enforced, hr):
    with pytest.raises(NotPermitted):
        services.token_issue(user=hr.user, name="hr-script")
    api = APIClient()
    api.force_login(hr.user)
    refused = api.post("/api/v1/tokens/", {"name": "hr-script"}, format="json")

    with_totp(hr)
    created = api.post("/api/v1/tokens/", {"name": "hr-script"}, format="json")

    assert (refused.status_code, created.status_code) == (403, 201)
    assert "two-factor" in refused.json()["detail"]


def test_setting_up_totp_through_allauth_lets_hr_back_in(enforced, hr, password):
    client = Client()  # a real sign-in, and the password again: allauth asks for it before MFA changes
    signed_in = client.post(reverse("account_login"), {"login": hr.user.email, "password": password})
    client.post(reverse("account_reauthenticate"), {"password": password})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    counters = list(yield_hotp_counters_from_time())  # now, ± allauth's tolerance
    code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))

    activated = client.post(reverse("mfa_activate_totp"), {"code": code})

    assert signed_in.status_code == 302
    assert activated.status_code == 302, activated.content.decode()[:2000]
    assert client.get(home(enforced)).status_code == 200
