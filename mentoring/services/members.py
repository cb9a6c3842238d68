"""Memberships: roles, deactivation and reactivation."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..audit import Action, audit_record
from ..errors import Conflict, DomainError
from ..models import ROLES, Membership
from .common import require_role


def _roles_kwargs(roles) -> dict:
    roles = set(roles or [])
    bad = roles - set(ROLES)
    if bad:
        raise DomainError(f"Unknown role(s): {', '.join(sorted(bad))}.", field="roles")
    if not roles:
        raise DomainError("Pick at least one role.", field="roles")
    return {f"is_{role}": role in roles for role in ROLES}


@transaction.atomic
def membership_set_roles(*, actor: Membership, membership: Membership, roles) -> Membership:
    require_role(actor, "manager")
    flags = _roles_kwargs(roles)
    membership = Membership.objects.for_org(actor.organization).select_for_update().get(pk=membership.pk)
    if membership.pk == actor.pk and not flags["is_manager"]:
        _ensure_another_manager(membership)
    before = membership.roles
    for name, value in flags.items():
        setattr(membership, name, value)
    membership.save()
    if membership.roles != before:
        audit_record(org=actor.organization, actor=actor, action=Action.MEMBERSHIP_ROLES, target=membership,
                     before={"roles": before}, after={"roles": membership.roles})
    return membership


def _ensure_another_manager(membership: Membership) -> None:
    others = Membership.objects.for_org(membership.organization).active().with_role("manager") \
        .exclude(pk=membership.pk).select_for_update()
    if not others.exists():
        raise Conflict("An organisation needs at least one active program manager.")


@transaction.atomic
def membership_deactivate(*, actor: Membership, membership: Membership) -> Membership:
    require_role(actor, "manager")
    membership = Membership.objects.for_org(actor.organization).select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        return membership
    if membership.is_manager:
        _ensure_another_manager(membership)
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record(org=actor.organization, actor=actor, action=Action.MEMBERSHIP_DEACTIVATE, target=membership,
                 before={"is_active": True}, after={"is_active": False})
    return membership


@transaction.atomic
def membership_reactivate(*, actor: Membership, membership: Membership) -> Membership:
    require_role(actor, "manager")
    reactivated = Membership.objects.for_org(actor.organization).filter(pk=membership.pk, is_active=False).update(
        is_active=True, deactivated_at=None, updated_at=timezone.now())
    membership.refresh_from_db()
    if reactivated:
        audit_record(org=actor.organization, actor=actor, action=Action.MEMBERSHIP_REACTIVATE, target=membership,
                     before={"is_active": False}, after={"is_active": True})
    return membership
