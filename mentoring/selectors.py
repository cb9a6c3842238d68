"""Reads that are more than a one-liner; tenant-scoped ones take the org."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Invitation, Membership, Organization, User


def memberships_of_user(user: User) -> list[Membership]:
    """Active memberships of a user across orgs (the org switcher). Cached on
    the user object: ``resolve_org`` picks the request's membership from it, so
    the org and the navigation cost one query per request together."""
    cached = getattr(user, "_tp_memberships", None)
    if cached is None:
        cached = list(Membership.unscoped.filter(user=user, is_active=True)
                      .select_related("organization").order_by("organization__name"))
        user._tp_memberships = cached
    return cached


def people_list(*, org: Organization, q: str = "", team: str = "", role: str = "",
                include_inactive: bool = False) -> QuerySet[Membership]:
    people = Membership.objects.for_org(org).select_related("manager").prefetch_related("skills")
    if not include_inactive:
        people = people.filter(is_active=True)
    if q:
        people = people.filter(Q(display_name__icontains=q) | Q(email__icontains=q) | Q(title__icontains=q)
                               | Q(skills__name__icontains=q)).distinct()
    if team:
        people = people.filter(team=team)
    if role in {"manager", "mentor", "mentee", "hr"}:
        people = people.filter(**{f"is_{role}": True})
    return people.order_by("display_name", "id")


def teams_of(org: Organization) -> list[str]:
    return list(Membership.objects.for_org(org).exclude(team="").order_by("team")
                .values_list("team", flat=True).distinct())


def people_for_export(org: Organization) -> list[dict]:
    people = Membership.objects.for_org(org).select_related("manager") \
        .prefetch_related("skills", "work_items").order_by("display_name", "id")
    rows = []
    for p in people:
        rows.append({
            "email": p.email, "display_name": p.display_name, "title": p.title, "team": p.team,
            "manager_email": p.manager.email if p.manager else None, "time_zone": p.time_zone,
            "working_hours_start": p.working_hours_start, "working_hours_end": p.working_hours_end,
            "hire_date": p.hire_date, "role_start_date": p.role_start_date,
            "skills": [s.name for s in p.skills.all()],
            "work_items": [f"{w.name}|{w.url}" if w.url else w.name for w in p.work_items.all()],
            "roles": p.roles, "external": p.is_external, "hourly_rate": p.hourly_rate, "currency": p.currency,
        })
    return rows


def invitations_list(org: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.for_org(org).select_related("invited_by").order_by("-created_at")


def org_overview_counts(org: Organization) -> dict:
    """The manager's home-page figures: active people, people who have signed
    in (members), open invitations. Two queries whatever the org's size."""
    from django.db.models import Count
    from django.utils import timezone

    people = Membership.objects.for_org(org).filter(is_active=True).aggregate(
        people=Count("id"), members=Count("id", filter=Q(user__isnull=False)))
    people["open_invitations"] = Invitation.objects.for_org(org).filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()).count()
    return people
