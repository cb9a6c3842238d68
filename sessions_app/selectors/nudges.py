"""Reads of nudges: the notification centre and people's reminder choices."""

from __future__ import annotations

from dataclasses import dataclass

from mentoring.models import Membership, Organization

from ..models import Notification, NudgeKind, NudgePreference, OrgNudgeSetting

PAGE = 50


@dataclass(frozen=True)
class KindChoice:
    kind: str
    label: str
    email: bool
    in_app: bool
    org_enabled: bool


def notifications_of(membership: Membership, *, limit: int = PAGE) -> list[Notification]:
    """The person's latest notifications, newest first (one query)."""
    return list(Notification.objects.for_org(membership.organization).filter(recipient=membership)
                .order_by("-created_at", "-id")[:limit])


def unread_notification_count(membership: Membership) -> int:
    return Notification.objects.for_org(membership.organization) \
        .filter(recipient=membership, read_at__isnull=True).count()


def org_nudge_kinds(org: Organization) -> dict[str, bool]:
    """{kind: switched on for the organisation}; no row means on."""
    off = set(OrgNudgeSetting.objects.for_org(org).filter(enabled=False).values_list("kind", flat=True))
    return {kind: kind not in off for kind in NudgeKind.values}


def nudge_choices_of(membership: Membership) -> list[KindChoice]:
    """Every kind with the person's channels and the organisation's switch (two queries)."""
    org = membership.organization
    chosen = {kind: (email, in_app) for kind, email, in_app in NudgePreference.objects.for_org(org)
              .filter(membership=membership).values_list("kind", "email", "in_app")}
    enabled = org_nudge_kinds(org)
    return [KindChoice(kind, label, *chosen.get(kind, default_channels(membership, kind)), org_enabled=enabled[kind])
            for kind, label in NudgeKind.choices]


def default_channels(membership: Membership, kind: str) -> tuple[bool, bool]:
    """No preference row: every kind on, except the weekly digest, which members opt into (managers get it)."""
    if kind == NudgeKind.WEEKLY_DIGEST and not membership.is_manager:
        return False, False
    return True, True
