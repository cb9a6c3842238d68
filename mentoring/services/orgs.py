"""The organisation: creating it (seed and admin) and its mentoring policy."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..audit import Action, audit_record
from ..errors import Conflict, DomainError
from ..mfa import has_mfa
from ..models import Membership, Organization, User
from .common import _full_clean, require_role

POLICY_FIELDS = ("name", "time_zone", "session_min_minutes", "session_max_minutes", "mentee_weekly_cap",
                 "mentor_weekly_cap", "cohort_ratio", "k_anonymity", "timebank_starting_grant",
                 "require_mfa_for_staff")


@transaction.atomic
def org_policy_update(*, actor: Membership, org: Organization, **changes) -> Organization:
    require_role(actor, "manager")
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(f"Not a policy setting: {', '.join(sorted(unknown))}.")
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if changes.get("require_mfa_for_staff") and not org.require_mfa_for_staff and not has_mfa(actor.user):
        # Turning it on would lock the manager out at once: they set up theirs first.
        raise DomainError("Turn on two-factor authentication for your own account first.",
                          field="require_mfa_for_staff")
    before = {name: getattr(org, name) for name in changes}
    for name, value in changes.items():
        setattr(org, name, value)
    _full_clean(org, exclude=["slug"])
    org.save()
    after = {name: getattr(org, name) for name in changes}
    changed = [name for name in changes if before[name] != after[name]]
    if changed:
        audit_record(org=org, actor=actor, action=Action.POLICY_UPDATE, target=org,
                     before={name: before[name] for name in changed}, after={name: after[name] for name in changed})
    return org


@transaction.atomic
def organization_create(*, slug: str, name: str, time_zone: str = "UTC", first_manager: User | None = None,
                        manager_name: str = "") -> Organization:
    org = Organization(slug=slug, name=name, time_zone=time_zone)
    _full_clean(org)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise Conflict(f"The address “{slug}” is taken.", field="slug") from None
    if first_manager is not None:
        Membership.objects.for_org(org).create(
            organization=org, user=first_manager, email=first_manager.email, is_manager=True,
            display_name=manager_name or first_manager.get_full_name() or first_manager.email.split("@")[0])
    return org
