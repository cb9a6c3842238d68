"""Reads of the session loop: a person's sessions, their next steps, surveys
they still owe, kudos they received; counts for managers.

Every list is loaded in a fixed number of queries, however many rows.
Privacy: titles of next steps and notes are read for their participants only;
managers get counts.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from mentoring.models import Membership, Organization

from ..models import Kudos, MentoringSession, NextStep, SurveyResponse

RECENT = timedelta(days=30)
LIST_LIMIT = 50
DONE_SHOWN = 20


def local_today(membership: Membership, now: datetime | None = None) -> date:
    """Today in the person's own time zone (next steps are due on their dates)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(membership.time_zone)).date()


def access_session(membership: Membership, session_id) -> MentoringSession:
    """The session if ``membership`` is one of its two participants, else 404 —
    the same answer for "missing", "another org's" and "not yours" (managers
    and HR included: notes and steps are private)."""
    try:
        session = (MentoringSession.objects.for_org(membership.organization)
                   .select_related("mentor", "mentee", "agenda", "program")
                   .filter(Q(mentor=membership) | Q(mentee=membership)).get(pk=session_id))
    except (MentoringSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
    except Exception as exc:  # a malformed UUID is a ValidationError
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise Http404("No such session.") from None
        raise
    session.organization = membership.organization
    return session


def sessions_of(membership: Membership):
    """The person's sessions in either role, with the other person loaded and
    ``survey_answered`` (by them) annotated."""
    answered = SurveyResponse.objects.for_org(membership.organization).filter(
        session=OuterRef("pk"), respondent=membership)
    return (MentoringSession.objects.for_org(membership.organization)
            .filter(Q(mentor=membership) | Q(mentee=membership))
            .select_related("mentor", "mentee", "agenda", "program")
            .annotate(survey_answered=Exists(answered)))


def sessions_overview(membership: Membership, now: datetime | None = None) -> dict[str, list]:
    """Upcoming (incl. in progress), waiting to be logged (ended, still booked)
    and recently logged sessions. Three queries."""
    now = now or timezone.now()
    mine = sessions_of(membership)
    booked = mine.filter(status=MentoringSession.Status.BOOKED)
    return {
        "waiting": list(booked.filter(end__lte=now).order_by("-end")[:LIST_LIMIT]),
        "upcoming": list(booked.filter(end__gt=now).order_by("start")[:LIST_LIMIT]),
        "recent": list(mine.filter(status=MentoringSession.Status.DONE, start__gte=now - RECENT)
                       .order_by("-start")[:DONE_SHOWN]),
    }


def waiting_to_log(membership: Membership, now: datetime | None = None) -> list[MentoringSession]:
    return list(sessions_of(membership).filter(status=MentoringSession.Status.BOOKED, end__lte=now or timezone.now())
                .order_by("-end")[:LIST_LIMIT])


def surveys_due(membership: Membership, now: datetime | None = None) -> list[MentoringSession]:
    """Recently logged sessions the person has not rated yet."""
    now = now or timezone.now()
    return list(sessions_of(membership).filter(status=MentoringSession.Status.DONE, start__gte=now - RECENT,
                                               survey_answered=False).order_by("-start")[:5])


def _steps(org: Organization):
    return NextStep.objects.for_org(org).select_related("session__mentor", "session__mentee", "owner", "work_item")


def week_end(today: date) -> date:
    """The Sunday that ends today's ISO week."""
    return today + timedelta(days=6 - today.weekday())


def group_next_steps(steps, today: date) -> dict[str, list]:
    groups = {"overdue": [], "this_week": [], "later": [], "done": []}
    sunday = week_end(today)
    for step in steps:
        if step.done_at is not None:
            groups["done"].append(step)
        elif step.due_date < today:
            groups["overdue"].append(step)
        elif step.due_date <= sunday:
            groups["this_week"].append(step)
        else:
            groups["later"].append(step)
    return groups


def my_next_steps(membership: Membership, today: date | None = None) -> dict[str, list]:
    """The person's own next steps: overdue, due this week (to Sunday), later,
    and the latest done. Two queries."""
    today = today or local_today(membership)
    mine = _steps(membership.organization).filter(owner=membership)
    open_steps = list(mine.filter(done_at__isnull=True).order_by("due_date", "created_at", "id"))
    done = list(mine.filter(done_at__isnull=False).order_by("-done_at", "id")[:DONE_SHOWN])
    return group_next_steps(open_steps + done, today)


def mentees_next_steps(mentor: Membership, today: date | None = None) -> list[dict]:
    """For a mentor: the next steps their mentees own from sessions with them
    (open, and done in the last 30 days), per mentee. One query."""
    today = today or local_today(mentor)
    steps = (_steps(mentor.organization)
             .filter(session__mentor=mentor, owner=F("session__mentee"))
             .filter(Q(done_at__isnull=True) | Q(done_at__gte=timezone.now() - RECENT))
             .order_by("owner__display_name", "owner_id", F("done_at").desc(nulls_first=True), "due_date", "id"))
    people: dict = {}
    for step in steps:
        entry = people.setdefault(step.owner_id, {"mentee": step.owner, "steps": []})
        step.overdue = step.done_at is None and step.due_date < today
        entry["steps"].append(step)
    return list(people.values())


def next_step_counts(org: Organization, today: date) -> dict:
    """For managers: how many, never which. Totals and per team (two queries)."""
    sunday = week_end(today)
    figures = {
        "open": Count("id", filter=Q(done_at__isnull=True)),
        "overdue": Count("id", filter=Q(done_at__isnull=True, due_date__lt=today)),
        "this_week": Count("id", filter=Q(done_at__isnull=True, due_date__gte=today, due_date__lte=sunday)),
        "done": Count("id", filter=Q(done_at__isnull=False)),
        "done_on_time": Count("id", filter=Q(done_at__isnull=False, done_at__date__lte=F("due_date"))),
    }
    steps = NextStep.objects.for_org(org)
    totals = steps.aggregate(**figures)
    teams = list(steps.values(team=F("owner__team")).annotate(**figures).order_by("team"))
    return {"totals": totals, "teams": teams}


def kudos_received(membership: Membership, limit: int = 10) -> list[Kudos]:
    return list(Kudos.objects.for_org(membership.organization).filter(receiver=membership)
                .select_related("giver").order_by("-created_at")[:limit])


def kudos_of_session(session: MentoringSession) -> list[Kudos]:
    return list(Kudos.objects.for_org(session.organization).filter(session=session)
                .select_related("giver", "receiver").order_by("-created_at"))


def home_loop(membership: Membership, now: datetime | None = None) -> dict:
    """What the org home shows first: my next steps, sessions waiting to be
    logged, surveys I owe, kudos I received. A fixed number of queries."""
    now = now or timezone.now()
    return {"groups": my_next_steps(membership, local_today(membership, now)),
            "waiting": waiting_to_log(membership, now), "surveys_due": surveys_due(membership, now),
            "kudos_received": kudos_received(membership, limit=5)}
