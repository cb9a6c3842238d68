"""Membership and invitation rules at the service level."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from mentoring import services
from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import Invitation, Membership
from tests.factories import UserFactory


def test_an_invitation_emails_a_link_to_accept(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(actor=manager, email="New@Example.test", roles=["mentee"])
    assert invitation.email == "new@example.test"
    assert mail.outbox[0].to == ["new@example.test"]
    assert services.invitation_url(invitation) in mail.outbox[0].body


def test_accepting_grants_the_invited_roles(manager):
    invitation = services.invitation_create(actor=manager, email="new@example.test", roles=["mentor", "hr"])
    user = UserFactory(email="new@example.test")
    membership = services.invitation_accept(token=invitation.token, user=user)
    assert membership.organization == manager.organization
    assert membership.roles == ["mentor", "hr"]


def test_an_invitation_for_someone_else_cannot_be_accepted(manager):
    invitation = services.invitation_create(actor=manager, email="new@example.test", roles=["mentee"])
    with pytest.raises(DomainError, match="is for new@example.test"):
        services.invitation_accept(token=invitation.token, user=UserFactory(email="other@example.test"))


def test_an_expired_invitation_cannot_be_accepted(manager):
    invitation = services.invitation_create(actor=manager, email="new@example.test", roles=["mentee"])
    Invitation.unscoped.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="no longer valid"):
        services.invitation_accept(token=invitation.token, user=UserFactory(email="new@example.test"))


def test_accepting_links_an_imported_person_instead_of_duplicating_them(manager):
    org = manager.organization
    Membership.objects.for_org(org).create(organization=org, email="new@example.test", display_name="Imported")
    invitation = services.invitation_create(actor=manager, email="new@example.test", roles=["mentee"])
    services.invitation_accept(token=invitation.token, user=UserFactory(email="new@example.test"))
    person = Membership.objects.for_org(org).get(email="new@example.test")
    assert person.user is not None and person.display_name == "Imported"


def test_inviting_a_member_again_is_a_conflict(manager, mentee):
    with pytest.raises(Conflict):
        services.invitation_create(actor=manager, email=mentee.email, roles=["mentee"])


def test_reinviting_replaces_the_open_invitation(manager):
    first = services.invitation_create(actor=manager, email="new@example.test", roles=["mentee"])
    second = services.invitation_create(actor=manager, email="new@example.test", roles=["mentor"])
    first.refresh_from_db()
    assert (first.status, second.status) == ("revoked", "pending")


def test_a_mentee_cannot_invite(mentee):
    with pytest.raises(NotPermitted):
        services.invitation_create(actor=mentee, email="new@example.test", roles=["mentee"])


def test_the_last_manager_cannot_step_down_or_be_deactivated(manager):
    with pytest.raises(Conflict):
        services.membership_set_roles(actor=manager, membership=manager, roles=["mentor"])
    with pytest.raises(Conflict):
        services.membership_deactivate(actor=manager, membership=manager)


def test_deactivation_keeps_the_row(manager, mentee):
    services.membership_deactivate(actor=manager, membership=mentee)
    mentee.refresh_from_db()
    assert not mentee.is_active and mentee.deactivated_at is not None


def test_policy_rejects_a_third_weekly_touch(manager):
    with pytest.raises(DomainError) as error:
        services.org_policy_update(actor=manager, org=manager.organization, mentee_weekly_cap=3)
    assert "mentee_weekly_cap" in error.value.errors


def test_policy_rejects_a_minimum_above_the_maximum(manager):
    with pytest.raises(DomainError) as error:
        services.org_policy_update(actor=manager, org=manager.organization, session_min_minutes=30,
                                   session_max_minutes=20)
    assert "session_max_minutes" in error.value.errors


def test_a_manager_cannot_be_made_to_report_to_their_own_report(manager, mentor, mentee):
    services.person_update(actor=manager, membership=mentee, manager=mentor)
    mentee.refresh_from_db()
    with pytest.raises(DomainError, match="loop"):
        services.person_update(actor=manager, membership=mentor, manager=mentee)
