"""Two-factor authentication enforceable per organisation (``Organization.require_mfa_for_staff``).

Where the org requires it, a program manager or HR viewer without an active allauth MFA authenticator
(TOTP or security key) is sent to the MFA setup page on every org page (``org_view``), refused with 403
and a message on the org API (``OrgScopedViewSet``, session or token), and cannot create API tokens.
Members with other roles only are not affected.
"""

from __future__ import annotations

STAFF_ROLES = ("manager", "hr")


def has_mfa(user) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return user is not None and user.is_authenticated and is_mfa_enabled(user)


def mfa_missing(membership) -> bool:
    """The org requires MFA of this member's roles and they have none."""
    return (membership.organization.require_mfa_for_staff and membership.has_role(*STAFF_ROLES)
            and not has_mfa(membership.user))


def mfa_message(org) -> str:
    return (f"{org.name} requires two-factor authentication for program managers and HR. "
            "Set it up to continue.")


def tokens_refused_without_mfa(user) -> str | None:
    """Why the user may not create an API token now (an org requiring MFA of their role), or None."""
    from .models import Membership

    orgs = [m.organization.name for m in Membership.unscoped.select_related("organization").filter(
        user=user, is_active=True, organization__require_mfa_for_staff=True)
        if m.has_role(*STAFF_ROLES)]
    if orgs and not has_mfa(user):
        return (f"{', '.join(sorted(orgs))} requires two-factor authentication for your role: "
                "set it up before creating an API token.")
    return None
