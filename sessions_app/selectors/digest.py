"""The weekly digest of an organisation: what the standup reads out.

Sessions held, next steps completed and kudos received in one ISO week (in
the org's time zone), per team and per cohort, and the shout-outs (kudos
messages). Five queries whatever the number of rows.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q

from mentoring.models import Organization
from mentoring.models_programs import Cohort, Participant

from ..models import Kudos, MentoringSession, NextStep

SHOUT_OUTS = 20
NO_TEAM = "No team"
MEASURES = ("sessions", "steps", "kudos")


@dataclass
class DigestRow:
    name: str
    sessions: int = 0
    steps: int = 0
    kudos: int = 0


@dataclass
class Digest:
    org: Organization
    week_start: date
    total: DigestRow
    teams: list[DigestRow] = field(default_factory=list)
    cohorts: list[DigestRow] = field(default_factory=list)
    shout_outs: list[Kudos] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def iso_week(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def is_empty(self) -> bool:
        return not (self.total.sessions or self.total.steps or self.total.kudos)

    def summary(self) -> str:
        return (f"{self.total.sessions} session{'s' if self.total.sessions != 1 else ''} held, "
                f"{self.total.steps} next step{'s' if self.total.steps != 1 else ''} completed, "
                f"{self.total.kudos} kudos")


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(value: str | None) -> date | None:
    """“2026-W14” (an <input type=week>) or an ISO date -> the Monday; None when unreadable."""
    if not value:
        return None
    try:
        if "-W" in value:
            year, week = value.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        return week_start_of(date.fromisoformat(value))
    except ValueError:
        return None


def weekly_digest(org: Organization, week_start: date) -> Digest:
    tz = zoneinfo.ZoneInfo(org.time_zone)
    lo = datetime.combine(week_start, time(0), tzinfo=tz)
    hi = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz)
    # Per person, then folded into teams and cohorts in Python (a person may be in two cohorts).
    per_person: dict = defaultdict(lambda: {"team": "", "sessions": 0, "steps": 0, "kudos": 0})
    counted = (
        ("sessions", MentoringSession.objects.for_org(org).filter(
            status=MentoringSession.Status.DONE, start__gte=lo, start__lt=hi), "mentee"),
        ("steps", NextStep.objects.for_org(org).filter(done_at__gte=lo, done_at__lt=hi), "owner"),
        ("kudos", Kudos.objects.for_org(org).filter(created_at__gte=lo, created_at__lt=hi), "receiver"),
    )
    for measure, queryset, person in counted:
        for person_id, team, n in queryset.order_by().values(person, f"{person}__team") \
                .annotate(n=Count("pk")).values_list(person, f"{person}__team", "n"):
            per_person[person_id]["team"] = team or NO_TEAM
            per_person[person_id][measure] += n

    cohorts_of: dict = defaultdict(list)
    for person_id, cohort in Participant.objects.for_org(org).filter(
            Q(cohort__status=Cohort.Status.PUBLISHED) | Q(cohort__status=Cohort.Status.ENDED),
            cohort__starts_on__lt=week_start + timedelta(days=7), cohort__ends_on__gte=week_start,
            membership__in=list(per_person)).values_list("membership", "cohort__name"):
        cohorts_of[person_id].append(cohort)

    total, teams, cohorts = DigestRow("Everyone"), {}, {}
    for person_id, counts in per_person.items():
        targets = [total, teams.setdefault(counts["team"], DigestRow(counts["team"]))]
        targets += [cohorts.setdefault(name, DigestRow(name)) for name in cohorts_of.get(person_id, [])]
        for row in targets:
            for measure in MEASURES:
                setattr(row, measure, getattr(row, measure) + counts[measure])

    shout_outs = list(Kudos.objects.for_org(org).filter(created_at__gte=lo, created_at__lt=hi)
                      .select_related("giver", "receiver").order_by("-created_at")[:SHOUT_OUTS])
    return Digest(org=org, week_start=week_start, total=total, teams=sorted(teams.values(), key=lambda r: r.name),
                  cohorts=sorted(cohorts.values(), key=lambda r: r.name), shout_outs=shout_outs)
