"""Reads of the network model and the time-bank, always within one org."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from .models import MentorListing, Membership, Program, SessionRequest, Skill, TimeEntry, WorkItem


def network_programs(org):
    return Program.objects.for_org(org).filter(kind=Program.Kind.NETWORK).order_by("name")


def directory_listings(org, program: Program | None, q: str = ""):
    """Listed, active mentors of a network program (of every one with None),
    available ones first; ``q`` matches a name, title, team, topic, skill or work item."""
    listings = MentorListing.objects.for_org(org).filter(program__kind=Program.Kind.NETWORK,
                                                         membership__is_active=True)
    if program is not None:
        listings = listings.filter(program=program)
    for word in (q or "").split()[:5]:
        listings = listings.filter(
            Q(membership__display_name__icontains=word) | Q(membership__title__icontains=word)
            | Q(membership__team__icontains=word) | Q(about__icontains=word)
            | Q(pk__in=MentorListing.topics.through.objects.filter(skill__name__icontains=word)
                .values("mentorlisting_id"))
            | Q(membership__in=Membership.skills.through.objects.filter(skill__name__icontains=word)
                .values("membership_id"))
            | Q(membership__in=WorkItem.objects.for_org(org).filter(name__icontains=word).values("membership_id")))
    return (listings.select_related("membership")
            .prefetch_related(Prefetch("topics", queryset=Skill.objects.for_org(org).order_by("name")),
                              Prefetch("membership__skills", queryset=Skill.objects.for_org(org).order_by("name")),
                              Prefetch("membership__work_items",
                                       queryset=WorkItem.objects.for_org(org).order_by("name")))
            .order_by("-is_available", "membership__display_name", "pk"))


def requests_received(member: Membership):
    return (SessionRequest.objects.for_org(member.organization).filter(mentor=member)
            .select_related("mentee", "program", "session").order_by("-created_at", "-id"))


def requests_sent(member: Membership):
    return (SessionRequest.objects.for_org(member.organization).filter(mentee=member)
            .select_related("mentor", "program", "session").order_by("-created_at", "-id"))


def requests_of(member: Membership):
    """Requests the member sent or received."""
    return (SessionRequest.objects.for_org(member.organization).filter(Q(mentor=member) | Q(mentee=member))
            .select_related("mentor", "mentee", "program", "session").order_by("-created_at", "-id"))


def ledger_entries(member: Membership):
    """A member's time-bank entries, newest first, each with its session's people."""
    return (TimeEntry.objects.for_org(member.organization).filter(membership=member)
            .select_related("session__mentor", "session__mentee", "session__program", "actor")
            .order_by("-created_at", "-id"))


def member_balances(org, q: str = ""):
    """Every active member with their account (None: never used, the grant awaits)."""
    members = Membership.objects.for_org(org).filter(is_active=True)
    if q:
        members = members.filter(Q(display_name__icontains=q) | Q(email__icontains=q) | Q(team__icontains=q))
    return members.select_related("time_account").order_by("display_name", "pk")

