"""``seed_demo``'s people events: hires, transfers and promotions over each
person's history, and ramp milestones — program participants ramp somewhat
faster than everyone else, with noise, so the dashboards have something true
to show. Deterministic for a seed; idempotent (an org with role events is left
alone); written with ``bulk_create`` so ``--people 10000`` stays fast.

Participants are the people in any cohort, or mentees of any seeded session
(the session history pairs mentees "in a program").
"""

from __future__ import annotations

import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.db import transaction

from mentoring.demo import TEAM_NAMES, TEAMS
from mentoring.models import Membership, Organization
from mentoring.models_programs import Participant
from sessions_app.demo import _write  # COPY on Postgres, bulk_create elsewhere: the history's writer
from sessions_app.models import MentoringSession

from .models import RampMilestone, RampMilestoneDefinition, RoleEvent, Source

RAMP_DEFINITION = ("First production change shipped",
                   "The first change they wrote is live in production (from the deploy log).")
SIGN_OFF_DEFINITION = ("Signed off by manager", "Their manager confirms they work on their own.")
# Days from role start to the ramp milestone: log-normal around these medians.
RAMP_MEDIAN_DAYS = 70
PARTICIPANT_SPEED_UP = 0.8      # participants' median is 80% of the others': "somewhat faster"
TRANSFER_FACTOR = 0.65          # a transfer ramps faster than a new hire
RAMP_SIGMA = 0.45               # the noise: wide enough that small groups overlap
UNRECORDED_SHARE = 0.04         # milestones the HRIS never got
PROMOTION_CHANCE = {False: 0.10, True: 0.13}
EVENT_COLUMNS = ("id", "organization", "member", "kind", "effective_on", "title_before", "title_after",
                 "team_before", "team_after", "source", "created_at")
MILESTONE_COLUMNS = ("id", "organization", "member", "definition", "reached_on", "source", "created_at")


@dataclass
class EventsSummary:
    slug: str
    skipped: bool = False
    role_events: int = 0
    milestones: int = 0
    participants: int = 0
    seconds: float = 0.0


def seed(*, slugs: list[str], seed: int) -> list[EventsSummary]:
    summaries = []
    for org_index, slug in enumerate(slugs):
        started = time.monotonic()
        with transaction.atomic():
            org = Organization.objects.get(slug=slug)
            summaries.append(seed_org(org, org_index=org_index, seed=seed))
        summaries[-1].seconds = time.monotonic() - started
    return summaries


def _title_levels(team: str) -> dict[str, int]:
    spec = TEAMS.get(team)
    if not spec:
        return {}
    levels = {title: level for level, titles in spec["titles"].items() for title in titles}
    levels[spec["head"]] = 5
    return levels


def seed_org(org: Organization, *, org_index: int, seed: int) -> EventsSummary:
    summary = EventsSummary(slug=org.slug)
    if RoleEvent.objects.for_org(org).exists():
        summary.skipped = True
        return summary
    rng = random.Random(f"{seed}:{org_index}:metrics")
    anchor = org.created_at.astimezone(ZoneInfo(org.time_zone)).date()
    ramp, sign_off = _definitions(org)
    participants = set(Participant.objects.for_org(org).values_list("membership_id", flat=True))
    participants |= set(MentoringSession.objects.for_org(org).values_list("mentee_id", flat=True).distinct())
    summary.participants = len(participants)
    people = (Membership.objects.for_org(org).filter(is_external=False).order_by("email")
              .values_list("id", "title", "team", "hire_date", "role_start_date", "created_at"))
    events: list[tuple] = []
    milestones: list[tuple] = []
    for pid, title, team, hired, role_start, created in people:
        hired = min(hired or created.date(), anchor)
        role_start = min(max(role_start or hired, hired), anchor)
        is_participant = pid in participants
        person_events, latest_start, kind = _history(rng, org, pid, title, team, hired, role_start, anchor,
                                                     is_participant)
        events += person_events
        milestones += _milestones(rng, org, pid, latest_start, kind, anchor, is_participant, ramp, sign_off)
    _write(org, RoleEvent, EVENT_COLUMNS, events)
    _write(org, RampMilestone, MILESTONE_COLUMNS, milestones)
    summary.role_events, summary.milestones = len(events), len(milestones)
    return summary


def _definitions(org):
    existing = {d.name: d for d in RampMilestoneDefinition.objects.for_org(org)}
    made = []
    for (name, description), active in ((RAMP_DEFINITION, True), (SIGN_OFF_DEFINITION, False)):
        if name not in existing:
            existing[name] = RampMilestoneDefinition.objects.for_org(org).create(
                organization=org, name=name, description=description,
                is_active=active and not any(d.is_active for d in existing.values()))
        made.append(existing[name])
    return made


def _entered(day: date):
    """Rows carry the time they were entered: the day itself, at noon UTC."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=dt_timezone.utc)


def _uuid(rng) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _event(rng, org, pid, kind, day, title_before="", title_after="", team_before="", team_after="") -> tuple:
    """A row in EVENT_COLUMNS order."""
    return (_uuid(rng), org.pk, pid, kind, day, title_before, title_after, team_before, team_after, Source.SEED,
            _entered(day))


def _history(rng, org, pid, title, team, hired, role_start, anchor, is_participant):
    """The events that end in the person's current title and team, oldest first.
    Returns them, the latest role start (hire or transfer) and its kind."""
    levels = _title_levels(team)
    level = levels.get(title, 0)
    lower = [t for t, lv in levels.items() if lv == level - 1]
    changes = []  # (kind, day, title_before, team_before), newest last
    if role_start > hired:
        if lower and rng.random() < 0.4:
            changes.append(("promotion", role_start, rng.choice(lower), team))
        else:
            others = [t for t in TEAM_NAMES if t != team] or [""]
            changes.append(("transfer", role_start, title, rng.choice(others)))
    promoted = any(kind == "promotion" for kind, *_ in changes)
    since = role_start + timedelta(days=180)
    if lower and not promoted and since < anchor - timedelta(days=7) and \
            rng.random() < PROMOTION_CHANCE[is_participant]:
        day = since + timedelta(days=rng.randint(0, (anchor - timedelta(days=7) - since).days))
        changes.append(("promotion", day, rng.choice(lower), team))
    # Walk back from today's title and team to what they were at hire.
    events, after_title, after_team = [], title, team
    for kind, day, before_title, before_team in reversed(changes):
        events.append(_event(rng, org, pid, kind, day, title_before=before_title, title_after=after_title,
                             team_before=before_team, team_after=after_team))
        after_title, after_team = before_title, before_team
    events.append(_event(rng, org, pid, "hire", hired, title_after=after_title, team_after=after_team))
    events.reverse()
    kind, day = [(e[3], e[4]) for e in events if e[3] in RoleEvent.ROLE_STARTS][-1]
    return events, day, kind


def _milestones(rng, org, pid, start, kind, anchor, is_participant, ramp, sign_off) -> list[tuple]:
    """Rows in MILESTONE_COLUMNS order: the ramp milestone after the latest role
    start (none when not reached by the seed day), sometimes a manager's sign-off."""
    median = RAMP_MEDIAN_DAYS * (PARTICIPANT_SPEED_UP if is_participant else 1.0)
    median *= TRANSFER_FACTOR if kind == "transfer" else 1.0
    days = max(5, round(math.exp(rng.gauss(math.log(median), RAMP_SIGMA))))
    reached = start + timedelta(days=days)
    if reached > anchor or rng.random() < UNRECORDED_SHARE:
        return []  # not ramped yet as of the seed day: censored
    out = [(_uuid(rng), org.pk, pid, ramp.pk, reached, Source.SEED, _entered(reached))]
    signed = reached + timedelta(days=rng.randint(3, 30))
    if signed <= anchor and rng.random() < 0.6:
        out.append((_uuid(rng), org.pk, pid, sign_off.pk, signed, Source.SEED, _entered(signed)))
    return out
