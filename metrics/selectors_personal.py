"""A member's own figures (personal views): never anyone else's data beyond
what they already share a session with."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from mentoring.models import Membership
from sessions_app.models import MentoringSession, NextStep

from . import selectors_events

LOAD_WEEKS = 8


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def mentor_load(*, member: Membership, now: datetime, tz, weeks: int = LOAD_WEEKS) -> list[dict]:
    """Held (not cancelled, already started) sessions given per ISO week in the
    viewer's zone, oldest first, the current week last; weeks without sessions
    count 0. One query."""
    today = now.astimezone(tz).date()
    first_monday = _monday(today) - timedelta(weeks=weeks - 1)
    since = timezone.make_aware(datetime.combine(first_monday, time.min), tz)
    per_day = (MentoringSession.objects.for_org(member.organization)
               .filter(mentor=member, start__gte=since, start__lte=now)
               .exclude(status=MentoringSession.Status.CANCELLED)
               .annotate(day=TruncDate("start", tzinfo=tz)).values("day").annotate(n=Count("id")))
    counts: dict[date, int] = {}
    for row in per_day:
        monday = _monday(row["day"])
        counts[monday] = counts.get(monday, 0) + row["n"]
    out = []
    for index in range(weeks):
        monday = first_monday + timedelta(weeks=index)
        year, week, _ = monday.isocalendar()
        out.append({"monday": monday, "label": f"{year}-W{week:02d}", "sessions": counts.get(monday, 0)})
    return out


def mentees_completion(*, member: Membership, today: date) -> list[dict]:
    """For each mentee this mentor has had sessions with: the next steps from
    those sessions, done / open / overdue. Three queries, flat in the number of mentees."""
    org = member.organization
    # The mentee's steps from this mentor's sessions (not the mentor's own steps).
    rows = (NextStep.objects.for_org(org).filter(session__mentor=member, owner=F("session__mentee"))
            .values("owner_id").annotate(
                total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)),
                overdue=Count("id", filter=Q(done_at__isnull=True, due_date__lt=today))))
    by_owner = {row["owner_id"]: row for row in rows}
    mentee_ids = set(MentoringSession.objects.for_org(org).filter(mentor=member)
                     .exclude(status=MentoringSession.Status.CANCELLED).values_list("mentee_id", flat=True)
                     .distinct()) | set(by_owner)
    names = dict(Membership.objects.for_org(org).filter(pk__in=mentee_ids).values_list("id", "display_name"))
    out = []
    for mentee_id, name in names.items():
        row = by_owner.get(mentee_id, {"total": 0, "done": 0, "overdue": 0})
        out.append({"id": mentee_id, "display_name": name, "total": row["total"], "done": row["done"],
                    "open": row["total"] - row["done"], "overdue": row["overdue"],
                    "share_done": round(100 * row["done"] / row["total"]) if row["total"] else None})
    return sorted(out, key=lambda r: r["display_name"].lower())


def mentee_progress(*, member: Membership, now: datetime, tz) -> dict:
    """Sessions this month (the viewer's month), next steps done / open, ramp
    milestone and days since role start."""
    org = member.organization
    today = now.astimezone(tz).date()
    month_start = today.replace(day=1)
    since = timezone.make_aware(datetime.combine(month_start, time.min), tz)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    until = timezone.make_aware(datetime.combine(next_month, time.min), tz)
    sessions = (MentoringSession.objects.for_org(org).filter(mentee=member, start__gte=since, start__lt=until)
                .exclude(status=MentoringSession.Status.CANCELLED)
                .aggregate(held=Count("id", filter=Q(start__lte=now)), upcoming=Count("id", filter=Q(start__gt=now))))
    steps = NextStep.objects.for_org(org).filter(owner=member).aggregate(
        done=Count("id", filter=Q(done_at__isnull=False)), open=Count("id", filter=Q(done_at__isnull=True)),
        overdue=Count("id", filter=Q(done_at__isnull=True, due_date__lt=today)))
    role_start = selectors_events.latest_role_starts(org, [member.pk]).get(member.pk)
    definition = selectors_events.active_ramp_definition(org)
    milestone = None
    if definition is not None:
        reached = selectors_events.ramp_milestones_list(org=org, definition=definition, member=member)
        if role_start is not None:
            reached = reached.filter(reached_on__gte=role_start)
        milestone = reached.order_by("reached_on").first()
    return {
        "month_start": month_start, "sessions_held": sessions["held"], "sessions_upcoming": sessions["upcoming"],
        "steps_done": steps["done"], "steps_open": steps["open"], "steps_overdue": steps["overdue"],
        "role_start": role_start, "days_in_role": (today - role_start).days if role_start else None,
        "definition": definition, "milestone": milestone,
        "days_to_milestone": (milestone.reached_on - role_start).days if milestone and role_start else None,
    }
