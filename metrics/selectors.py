"""Reads for the dashboards: one org's history as arrays (a few queries, flat in
the number of rows), the groups (org / program / cohort / team) as masks over
it, and the snapshots the pages and the API serve."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from mentoring.models import Membership
from mentoring.models_programs import Cohort, Participant, Program

from .compute import figures as f
from .compute.groups import Policy
from .models import MetricSnapshot

# Standard periods kept as snapshots: key -> (label, days), each ending "today" in the org's zone.
PERIODS = {"4w": ("Last 4 weeks", 28), "13w": ("Last 13 weeks", 91), "52w": ("Last 52 weeks", 364)}
DEFAULT_PERIOD = "13w"
ROLE_CODES = {Participant.Role.MENTOR: f.MENTOR, Participant.Role.MENTEE: f.MENTEE}


def org_policy(org) -> Policy:
    return Policy(k=org.k_anonymity, min_minutes=org.session_min_minutes, max_minutes=org.session_max_minutes,
                  mentee_cap=org.mentee_weekly_cap)


def org_today(org, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def standard_period(org, key: str, now: datetime | None = None) -> tuple[date, date]:
    to = org_today(org, now)
    return to - timedelta(days=PERIODS[key][1] - 1), to


@dataclass
class OrgData:
    """An org's history (``history``) and how its rows map back to the org."""

    history: f.History
    person_ids: list
    teams: list[str]
    cohorts: dict = field(default_factory=dict)   # cohort id -> (index, program id, name)
    programs: dict = field(default_factory=dict)  # program id -> (index, name)

    def mask(self, people) -> np.ndarray:
        m = np.zeros(self.history.people, dtype=bool)
        m[list(people)] = True
        return m

    def org_mask(self) -> np.ndarray:
        return np.ones(self.history.people, dtype=bool)

    def team_mask(self, team: str) -> np.ndarray:
        idx = self.teams.index(team) if team in self.teams else -2
        return self.history.team == idx

    def cohort_mask(self, cohort_id) -> np.ndarray:
        idx = self.cohorts[cohort_id][0] if cohort_id in self.cohorts else -2
        return self.mask(self.history.p_person[self.history.p_cohort == idx])

    def program_mask(self, program_id) -> np.ndarray:
        idx = self.programs[program_id][0] if program_id in self.programs else -2
        return self.mask(self.history.p_person[self.history.p_program == idx])

    def index_of(self, member_ids) -> list[int]:
        where = {pk: i for i, pk in enumerate(self.person_ids)}
        return [where[m] for m in member_ids if m in where]


def _days(values) -> np.ndarray:
    return np.fromiter((v.toordinal() if v is not None else f.NOT_DONE for v in values), dtype=np.int64,
                       count=len(values))


# Day numbers straight from SQL (date.toordinal(): 1 Jan 0001 is day 1), local to the org's zone, so
# that a 50,000-row table arrives as integers instead of being parsed into Python datetimes.
def _day(expr: str) -> str:
    return f"(({expr} AT TIME ZONE %(tz)s)::date - DATE '0001-01-01' + 1)"


# Every table is joined to the org's people numbered in id order (the index of a person in the arrays)
# and filtered by organisation itself: these reads are tenant-scoped like the ORM's for_org().
_PEOPLE = """WITH p AS (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS i
                        FROM mentoring_membership WHERE organization_id = %(org)s)"""
_SQL = {
    "events": _PEOPLE + """
        SELECT p.i, CASE e.kind WHEN 'hire' THEN 0 WHEN 'transfer' THEN 1 ELSE 2 END,
               e.effective_on - DATE '0001-01-01' + 1
          FROM metrics_roleevent e JOIN p ON p.id = e.member_id
         WHERE e.organization_id = %(org)s AND e.effective_on <= %(to)s""",
    "milestones": _PEOPLE + """
        SELECT p.i, m.reached_on - DATE '0001-01-01' + 1
          FROM metrics_rampmilestone m JOIN p ON p.id = m.member_id
          JOIN metrics_rampmilestonedefinition d ON d.id = m.definition_id AND d.is_active
         WHERE m.organization_id = %(org)s AND m.reached_on <= %(to)s""",
    "sessions": _PEOPLE + f"""
        SELECT pm.i, pe.i, {_day('s.start')},
               CASE s.status WHEN 'booked' THEN 0 WHEN 'done' THEN 1 ELSE 2 END,
               COALESCE(s.actual_minutes, (EXTRACT(EPOCH FROM s."end" - s.start) / 60)::int),
               (s.id IN (SELECT n.session_id FROM sessions_app_nextstep n WHERE n.organization_id = %(org)s))::int
          FROM sessions_app_mentoringsession s JOIN p pm ON pm.id = s.mentor_id JOIN p pe ON pe.id = s.mentee_id
         WHERE s.organization_id = %(org)s AND s.start >= %(start)s AND s.start < %(end)s""",
    "steps": _PEOPLE + f"""
        SELECT p.i, {_day('s.start')}, {_day('n.created_at')}, n.due_date - DATE '0001-01-01' + 1,
               COALESCE({_day('n.done_at')}, -1)
          FROM sessions_app_nextstep n JOIN sessions_app_mentoringsession s ON s.id = n.session_id
          JOIN p ON p.id = n.owner_id
         WHERE n.organization_id = %(org)s AND s.start < %(end)s
           AND (n.due_date >= %(frm)s OR n.done_at >= %(start)s OR s.start >= %(start)s)""",
    "surveys": _PEOPLE + f"""
        SELECT p.i, {_day('r.created_at')}, r.usefulness, NULLIF(r.comment, '')
          FROM sessions_app_surveyresponse r JOIN p ON p.id = r.respondent_id
         WHERE r.organization_id = %(org)s AND r.created_at >= %(start)s AND r.created_at < %(end)s""",
}


def _int_columns(rows, width: int) -> list[np.ndarray]:
    table = np.array(rows, dtype=np.int64).reshape(-1, width)
    return [table[:, i] for i in range(width)]


def org_data(org, frm: date, to: date) -> OrgData:
    """Load everything the figures of periods inside [frm, to] need, in seven
    queries whatever the number of rows. Local dates are taken in the org's zone."""
    tz = zoneinfo.ZoneInfo(org.time_zone)
    far = 10**7
    start, end = (datetime.combine(day, datetime.min.time(), tzinfo=tz) for day in (frm, to + timedelta(days=1)))
    params = {"org": org.pk, "tz": org.time_zone, "frm": frm, "to": to, "start": start, "end": end}
    fetched = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # These scans are cheap, but their cost estimate makes Postgres JIT-compile them first, which
            # took longer than the query itself (1.4 s of 2.3 s on the bench DB).
            cursor.execute("SET LOCAL jit = off")
        # People in id order: the row number is the person's index in every array (see _PEOPLE).
        cursor.execute(f"""SELECT id, team, COALESCE(hire_date - DATE '0001-01-01' + 1, -1),
                                  CASE WHEN is_active OR deactivated_at IS NULL THEN {far}
                                       ELSE {_day('deactivated_at')} END
                             FROM mentoring_membership WHERE organization_id = %(org)s ORDER BY id""", params)
        people = cursor.fetchall()
        for name, sql in _SQL.items():
            cursor.execute(sql, params)
            fetched[name] = cursor.fetchall()
    ev_person, ev_kind, ev_day = _int_columns(fetched["events"], 3)
    ms_person, ms_day = _int_columns(fetched["milestones"], 2)
    s_mentor, s_mentee, s_day, s_status, s_minutes, s_steps = _int_columns(fetched["sessions"], 6)
    st_owner, st_session_day, st_created_day, st_due_day, st_done_day = _int_columns(fetched["steps"], 5)
    surveys = fetched["surveys"]
    sv_person, sv_day, sv_score = _int_columns([r[:3] for r in surveys], 3)

    person_ids = [p[0] for p in people]
    where = {pk: i for i, pk in enumerate(person_ids)}
    teams = sorted({p[1] for p in people if p[1]})
    team_index = {t: i for i, t in enumerate(teams)}
    parts = list(Participant.objects.for_org(org).exclude(cohort__status=Cohort.Status.DRAFT)
                 .filter(cohort__starts_on__lte=to)
                 .values_list("membership_id", "role", "cohort__starts_on", "cohort__ends_on", "cohort_id",
                              "cohort__program_id", "cohort__name", "cohort__program__name"))
    cohorts, programs = {}, {}
    for p in parts:
        programs.setdefault(p[5], (len(programs), p[7]))
        cohorts.setdefault(p[4], (len(cohorts), p[5], p[6]))

    def col(rows, i):
        return [r[i] for r in rows]

    h = f.History(
        people=len(people),
        hire_day=np.array([p[2] for p in people], dtype=np.int64),
        end_day=np.array([p[3] for p in people], dtype=np.int64),
        team=np.array([team_index.get(p[1], -1) for p in people], dtype=np.int64),
        ev_person=ev_person, ev_kind=ev_kind, ev_day=ev_day, ms_person=ms_person, ms_day=ms_day,
        s_mentor=s_mentor, s_mentee=s_mentee, s_day=s_day, s_status=s_status, s_minutes=s_minutes, s_steps=s_steps,
        st_owner=st_owner, st_session_day=st_session_day, st_created_day=st_created_day, st_due_day=st_due_day,
        st_done_day=st_done_day, sv_person=sv_person, sv_day=sv_day, sv_score=sv_score,
        sv_comment=[r[3] or "" for r in surveys],
        p_person=np.array([where[m] for m in col(parts, 0)], dtype=np.int64),
        p_role=np.array([ROLE_CODES[r] for r in col(parts, 1)], dtype=np.int64),
        p_start=_days(col(parts, 2)), p_end=_days(col(parts, 3)),
        p_cohort=np.array([cohorts[c][0] for c in col(parts, 4)], dtype=np.int64),
        p_program=np.array([programs[c][0] for c in col(parts, 5)], dtype=np.int64),
    )
    return OrgData(history=h, person_ids=person_ids, teams=teams, cohorts=cohorts, programs=programs)


# --- Snapshots ----------------------------------------------------------------------------------

def latest_snapshot(org, scope: str, scope_key: str, days: int) -> tuple[dict, datetime | None, tuple | None]:
    """The newest stored figures of a standard period length (one query): today's,
    or — before the refresh after the org's midnight has run — yesterday's.
    -> (figures by metric, computed at, (period start, period end))."""
    rows = list(MetricSnapshot.objects.for_org(org).filter(scope=scope, scope_key=scope_key)
                .order_by("-period_end").values_list("metric", "payload", "computed_at", "period_start",
                                                     "period_end")[:200])
    rows = [r for r in rows if (r[4] - r[3]).days == days - 1]
    if not rows:
        return {}, None, None
    newest = rows[0][4]
    rows = [r for r in rows if r[4] == newest]
    return {m: p for m, p, *_ in rows}, min(r[2] for r in rows), (rows[0][3], newest)


def snapshot_payload(org, scope: str, scope_key: str, frm: date, to: date) -> tuple[dict, datetime | None]:
    """The stored figures of one scope and period (one query) and when they were computed."""
    rows = list(MetricSnapshot.objects.for_org(org).filter(scope=scope, scope_key=scope_key, period_start=frm,
                                                           period_end=to).values_list("metric", "payload",
                                                                                      "computed_at"))
    if not rows:
        return {}, None
    return {metric: payload for metric, payload, _ in rows}, min(at for _, _, at in rows)


def dashboard_choices(org) -> dict:
    """Programs, cohorts (not drafts) and teams to filter by (three queries)."""
    programs = list(Program.objects.for_org(org).order_by("name").values_list("id", "name"))
    cohorts = list(Cohort.objects.for_org(org).exclude(status=Cohort.Status.DRAFT)
                   .order_by("program__name", "-starts_on").values_list("id", "name", "program_id", "program__name"))
    teams = list(Membership.objects.for_org(org).exclude(team="").order_by("team").values_list("team", flat=True)
                 .distinct())
    return {"programs": programs, "cohorts": cohorts, "teams": teams}


def latest_computed_at(org):
    return (MetricSnapshot.objects.for_org(org).order_by("-computed_at").values_list("computed_at", flat=True)
            .first())


__all__ = ["PERIODS", "DEFAULT_PERIOD", "org_policy", "org_today", "standard_period", "OrgData", "org_data",
           "snapshot_payload", "dashboard_choices", "latest_computed_at"]
