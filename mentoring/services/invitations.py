"""Invitations by email: create, revoke, open by token, accept."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..audit import Action, audit_record
from ..errors import Conflict, DomainError
from ..models import Invitation, Membership, User
from .common import require_role
from .members import _roles_kwargs

logger = logging.getLogger(__name__)
INVITATION_LIFETIME = timedelta(days=14)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, roles) -> Invitation:
    require_role(actor, "manager")
    org = actor.organization
    email = User.objects.normalize_email(email or "").strip().lower()
    try:
        from django.core.validators import validate_email
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    if Membership.objects.for_org(org).filter(email=email, user__isnull=False, is_active=True).exists():
        raise Conflict(f"{email} is already a member of {org.name}.", field="email")
    role_flags = _roles_kwargs(roles)
    # A fresh invitation replaces an open one (e.g. re-sent after expiry).
    Invitation.objects.for_org(org).filter(email=email, accepted_at=None, revoked_at=None) \
        .update(revoked_at=timezone.now())
    invitation = Invitation.objects.for_org(org).create(
        organization=org, email=email, invited_by=actor.user,
        expires_at=timezone.now() + INVITATION_LIFETIME, **role_flags)
    audit_record(org=org, actor=actor, action=Action.INVITATION_CREATE, target=invitation,
                 after={"email": email, "roles": invitation.roles, "expires_at": invitation.expires_at})
    transaction.on_commit(lambda: _send_invitation_email(invitation))
    return invitation


def _send_invitation_email(invitation: Invitation) -> None:
    """Sent after commit; a mail server failure must not undo the invitation
    (the manager can re-send it), so it is logged rather than raised."""
    context = {"invitation": invitation, "org": invitation.organization, "url": invitation_url(invitation),
               "inviter": invitation.invited_by}
    try:
        _send_mail(context, invitation)
    except Exception:  # SMTP errors come in many classes
        logger.exception("Could not send the invitation email to %s", invitation.email)


def _send_mail(context, invitation) -> None:
    send_mail(
        subject=f"[Touchpoint] You are invited to {invitation.organization.name}",
        message=render_to_string("emails/invitation.txt", context),
        html_message=render_to_string("emails/invitation.html", context),
        from_email=None, recipient_list=[invitation.email])


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    require_role(actor, "manager")
    updated = Invitation.objects.for_org(actor.organization).filter(
        pk=invitation.pk, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
    if not updated:
        raise Conflict("This invitation is no longer open.")
    invitation.refresh_from_db()
    audit_record(org=actor.organization, actor=actor, action=Action.INVITATION_REVOKE, target=invitation,
                 before={"status": "pending"}, after={"status": "revoked"})
    return invitation


def invitation_open(token: str) -> Invitation | None:
    """The pending invitation with this token, or None (unknown, used, expired)."""
    invitation = Invitation.unscoped.select_related("organization").filter(token=token).first()
    if invitation is None or invitation.status != "pending":
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = Invitation.unscoped.select_for_update().select_related("organization").filter(token=token).first()
    if invitation is None or invitation.status != "pending":
        raise DomainError("This invitation link is no longer valid. Ask your program manager for a new one.")
    if invitation.email.lower() != user.email.lower():
        raise DomainError(f"This invitation is for {invitation.email}; you are signed in as {user.email}.")
    org = invitation.organization
    membership = Membership.objects.for_org(org).select_for_update().filter(email=invitation.email).first()
    before = None if membership is None else {"roles": membership.roles, "is_active": membership.is_active,
                                              "has_account": membership.user_id is not None}
    if membership is None:
        membership = Membership(organization=org, email=invitation.email,
                                display_name=user.get_full_name() or invitation.email.split("@")[0])
    membership.user = user
    membership.is_active = True
    membership.deactivated_at = None
    for role in invitation.roles:
        setattr(membership, f"is_{role}", True)
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(org=org, actor=membership, action=Action.INVITATION_ACCEPT, target=membership, before=before,
                 after={"roles": membership.roles, "is_active": True, "has_account": True,
                        "invitation": str(invitation.pk)})
    return membership
