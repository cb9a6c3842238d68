"""Reads of the session loop: a person's sessions, their next steps, surveys
they still owe, kudos they received; counts for managers.

Every list is loaded in a fixed number of queries, however many rows.
Privacy: titles of next steps and notes are read for their participants only;
managers get counts.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from mentoring.models import Membership, Organization

from ..models import AgendaTemplate, Kudos, MentoringSession, NextStep, SurveyResponse

RECENT = timedelta(days=30)
LIST_LIMIT = 50
DONE_SHOWN = 20
SURVEYS_SHOWN = 5


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


def _fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


NEXT_STEP_FIELDS = _fields(NextStep)


def person_ref(*relations: str) -> list[str]:
    """``only()`` names loading just id and display name of related people: a
    whole Membership row is ~25 columns, and Django's cost of compiling a query
    and building its rows grows with every selected column."""
    return [f"{relation}__{name}" for relation in relations for name in ("id", "display_name")]


def session_list(membership: Membership):
    """``sessions_of`` narrowed to what the lists show of the other person."""
    return sessions_of(membership).only(*_fields(MentoringSession), *person_ref("mentor", "mentee"),
                                        *(f"agenda__{name}" for name in _fields(AgendaTemplate)))


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
    and recently logged sessions. One query."""
    now = now or timezone.now()
    mine = session_list(membership)
    booked = mine.filter(status=MentoringSession.Status.BOOKED)
    rows = _in_one_query(mine, (booked.filter(end__lte=now), "-end", LIST_LIMIT),
                         (booked.filter(end__gt=now), "start", LIST_LIMIT),
                         (mine.filter(status=MentoringSession.Status.DONE, start__gte=now - RECENT), "-start",
                          DONE_SHOWN))
    booked_rows = [s for s in rows if s.status == MentoringSession.Status.BOOKED]
    return {
        "waiting": sorted((s for s in booked_rows if s.end <= now), key=lambda s: s.end, reverse=True),
        "upcoming": sorted((s for s in booked_rows if s.end > now), key=lambda s: s.start),
        "recent": sorted((s for s in rows if s.status == MentoringSession.Status.DONE), key=lambda s: s.start,
                         reverse=True),
    }


def _in_one_query(mine, *lists) -> list[MentoringSession]:
    """The rows of several (queryset, order, limit) lists of ``mine`` in one query: a UNION ALL
    of their ids, each part with its own ORDER BY and LIMIT, looked up by primary key. The
    rows come back unordered: the caller deals them to their lists (which must not overlap)."""
    if not connections[mine.db].features.supports_slicing_ordering_in_compound:
        # SQLite (``make run``'s embedded default) cannot LIMIT the parts of a UNION: a query per list.
        return [row for queryset, order, limit in lists for row in queryset.order_by(order)[:limit]]
    ids = [queryset.order_by(order).values("pk")[:limit] for queryset, order, limit in lists]
    return list(mine.filter(pk__in=ids[0].union(*ids[1:], all=True)).order_by())


def waiting_to_log(membership: Membership, now: datetime | None = None) -> list[MentoringSession]:
    return list(session_list(membership).filter(status=MentoringSession.Status.BOOKED, end__lte=now or timezone.now())
                .order_by("-end")[:LIST_LIMIT])


def surveys_due(membership: Membership, now: datetime | None = None) -> list[MentoringSession]:
    """Recently logged sessions the person has not rated yet."""
    now = now or timezone.now()
    return list(session_list(membership).filter(status=MentoringSession.Status.DONE, start__gte=now - RECENT,
                                               survey_answered=False).order_by("-start")[:SURVEYS_SHOWN])


def _steps(org: Organization):
    """Next steps with what a step line shows: the session's two people by name, the owner, the work item."""
    return (NextStep.objects.for_org(org).select_related("session__mentor", "session__mentee", "owner", "work_item")
            .only(*NEXT_STEP_FIELDS, "session__mentor", "session__mentee", *person_ref("session__mentor",
                  "session__mentee", "owner"), "work_item__id", "work_item__name"))


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
    and the latest done. One query."""
    today = today or local_today(membership)
    mine = _steps(membership.organization).filter(owner=membership)
    latest_done = mine.filter(done_at__isnull=False).order_by("-done_at", "id").values("pk")[:DONE_SHOWN]
    steps = list(mine.filter(Q(done_at__isnull=True) | Q(pk__in=latest_done)).order_by())
    # Sorted here (stable sorts, last key first) rather than in two ordered queries.
    open_steps = sorted((step for step in steps if step.done_at is None),
                        key=lambda step: (step.due_date, step.created_at, step.pk))
    done = sorted(sorted((step for step in steps if step.done_at is not None), key=lambda step: step.pk),
                  key=lambda step: step.done_at, reverse=True)
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
                .select_related("giver").only(*_fields(Kudos), *person_ref("giver")).order_by("-created_at")[:limit])


def kudos_of_session(session: MentoringSession) -> list[Kudos]:
    return list(Kudos.objects.for_org(session.organization).filter(session=session)
                .select_related("giver", "receiver").order_by("-created_at"))


def home_loop(membership: Membership, now: datetime | None = None) -> dict:
    """What the org home shows first: my next steps, sessions waiting to be
    logged, surveys I owe, kudos I received. Three queries."""
    now = now or timezone.now()
    # waiting_to_log and surveys_due, in one query.
    mine = session_list(membership)
    rows = _in_one_query(
        mine, (mine.filter(status=MentoringSession.Status.BOOKED, end__lte=now), "-end", LIST_LIMIT),
        (mine.filter(status=MentoringSession.Status.DONE, start__gte=now - RECENT, survey_answered=False), "-start",
         SURVEYS_SHOWN))
    return {"groups": my_next_steps(membership, local_today(membership, now)),
            "waiting": sorted((s for s in rows if s.status == MentoringSession.Status.BOOKED), key=lambda s: s.end,
                              reverse=True),
            "surveys_due": sorted((s for s in rows if s.status == MentoringSession.Status.DONE),
                                  key=lambda s: s.start, reverse=True),
            "kudos_received": kudos_received(membership, limit=5)}
