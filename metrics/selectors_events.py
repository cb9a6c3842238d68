"""Reads of role events and ramp milestones (always within one org)."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from mentoring.models import Membership, Organization

from .models import RampMilestone, RampMilestoneDefinition, RoleEvent


def org_today(org: Organization) -> date:
    """Today in the org's time zone: metric dates are the org's dates (DESIGN.md §5)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(org.time_zone))


def role_events_list(*, org: Organization, kind: str = "", team: str = "", member=None,
                     date_from: date | None = None, date_to: date | None = None) -> QuerySet[RoleEvent]:
    """Newest first; ``team`` matches the team before or after the event."""
    events = RoleEvent.objects.for_org(org).select_related("member")
    if kind:
        events = events.filter(kind=kind)
    if team:
        events = events.filter(Q(team_after=team) | Q(team_before=team))
    if member is not None:
        events = events.filter(member=member)
    if date_from:
        events = events.filter(effective_on__gte=date_from)
    if date_to:
        events = events.filter(effective_on__lte=date_to)
    return events.order_by("-effective_on", "member__display_name", "id")


def event_teams(org: Organization) -> list[str]:
    """Every team named by a role event or a person, for the filter."""
    events = RoleEvent.objects.for_org(org)
    teams = set(events.exclude(team_after="").values_list("team_after", flat=True).distinct())
    teams |= set(events.exclude(team_before="").values_list("team_before", flat=True).distinct())
    teams |= set(Membership.objects.for_org(org).exclude(team="").values_list("team", flat=True).distinct())
    return sorted(teams)


def ramp_definitions(org: Organization) -> QuerySet[RampMilestoneDefinition]:
    return RampMilestoneDefinition.objects.for_org(org).order_by("-is_active", "name", "id")


def active_ramp_definition(org: Organization) -> RampMilestoneDefinition | None:
    return RampMilestoneDefinition.objects.for_org(org).filter(is_active=True).order_by("name", "id").first()


def ramp_milestones_list(*, org: Organization, definition=None, member=None) -> QuerySet[RampMilestone]:
    milestones = RampMilestone.objects.for_org(org).select_related("member", "definition")
    if definition is not None:
        milestones = milestones.filter(definition=definition)
    if member is not None:
        milestones = milestones.filter(member=member)
    return milestones.order_by("-reached_on", "member__display_name", "id")


def latest_role_starts(org: Organization, member_ids) -> dict:
    """member id -> the day of their latest hire or transfer (one query).

    People without a role event fall back to their profile's role start date,
    then their hire date."""
    member_ids = list(member_ids)
    starts = dict(RoleEvent.objects.for_org(org).filter(member_id__in=member_ids, kind__in=RoleEvent.ROLE_STARTS)
                  .values("member_id").annotate(latest=Max("effective_on")).values_list("member_id", "latest"))
    missing = [member_id for member_id in member_ids if member_id not in starts]
    if missing:
        for member_id, role_start, hire in Membership.objects.for_org(org).filter(pk__in=missing) \
                .values_list("id", "role_start_date", "hire_date"):
            if role_start or hire:
                starts[member_id] = role_start or hire
    return starts


def members_by_email(org: Organization, emails) -> dict[str, Membership]:
    return {m.email.lower(): m for m in Membership.objects.for_org(org).filter(email__in=list(emails))
            .only("id", "email", "display_name", "role_start_date", "hire_date")}
