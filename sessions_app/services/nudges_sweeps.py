"""Nudge sweeps: the engine every sweep shares (candidates stream from one
query with their recipient's zone and hours, become ``Nudge`` rows a batch at
a time, INSERT … ON CONFLICT DO NOTHING; see ``services/nudges.py``) and the
next-step, session and survey sweeps. Programs, the digest and trial_ending
have their own modules (``nudges_programs``, ``nudges_digest``, ``nudges_external``)."""

from __future__ import annotations

import bisect
import json
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef
from django.db.models.functions import Cast

from mentoring.models import Organization

from .. import moments
from ..models import FocusBlock, MentoringSession, NextStep, Nudge, NudgeKind, NudgePreference, SurveyResponse, \
    WorkingWindow

BATCH = 2000  # rows per INSERT (and per load of the recipients' windows)
OVERDUE_DAYS = (1, 3, 7)  # overdue reminders this many days after the due date, then no more
OVERDUE_GRACE = 2  # days a missed overdue stage may still be sent (the beat was down); ≤ the gaps above
UNLOGGED_AFTER = timedelta(hours=2)
SURVEY_AFTER = timedelta(hours=24)
# Sessions further back are never nudged: switching nudges on does not flood people with old news.
LOOKBACK = timedelta(days=7)
WORKDAYS = range(5)  # as availability: no declared windows means Mon–Fri within the profile's hours
Status = Nudge.Status


def nudge_sweep_next_steps_due(*, org: Organization, now: datetime) -> int:
    """Open next steps due tomorrow in their owner's zone -> the owner, once per due date."""
    kind = NudgeKind.NEXT_STEP_DUE
    today = now.date()  # UTC; each owner's own "today" is checked per row
    steps = NextStep.objects.for_org(org).filter(
        done_at__isnull=True, due_date__range=(today, today + timedelta(days=2)), owner__is_active=True,
    ).exclude(_opted_out(org, kind, "owner")).exclude(Exists(Nudge.objects.for_org(org).filter(
        kind=kind, subject_id=OuterRef("pk"), recipient=OuterRef("owner"),
        period=Cast(OuterRef("due_date"), CharField()))))

    def make(row, local_today: date):
        if row["due_date"] - timedelta(days=1) != local_today:
            return None
        return row["due_date"].isoformat(), local_today, {"title": row["title"], "due": row["due_date"].isoformat()}

    return _sweep(org, kind, "next_step", _rows(steps, "owner", "title", "due_date"), now, make)


def nudge_sweep_next_steps_overdue(*, org: Organization, now: datetime) -> int:
    """Open next steps past their due date -> the owner, 1, 3 and 7 days after it; then silence."""
    kind = NudgeKind.NEXT_STEP_OVERDUE
    today = now.date()
    steps = NextStep.objects.for_org(org).filter(
        done_at__isnull=True, owner__is_active=True,
        due_date__range=(today - timedelta(days=OVERDUE_DAYS[-1] + OVERDUE_GRACE + 1), today),
    ).exclude(_opted_out(org, kind, "owner")).exclude(Exists(Nudge.objects.for_org(org).filter(
        # The current stage exists already (stages lie at least OVERDUE_GRACE days apart).
        kind=kind, subject_id=OuterRef("pk"), recipient=OuterRef("owner"),
        due_at__gt=now - timedelta(days=OVERDUE_GRACE))))

    def make(row, local_today: date):
        late = (local_today - row["due_date"]).days
        stage = bisect.bisect_right(OVERDUE_DAYS, late)  # reminders whose day has come
        if stage == 0 or late - OVERDUE_DAYS[stage - 1] >= OVERDUE_GRACE:
            return None
        day = row["due_date"] + timedelta(days=OVERDUE_DAYS[stage - 1])
        payload = {"title": row["title"], "due": row["due_date"].isoformat(), "reminder": stage}
        return f"{row['due_date'].isoformat()}#{stage}", day, payload

    return _sweep(org, kind, "next_step", _rows(steps, "owner", "title", "due_date"), now, make)


def nudge_sweep_sessions_unlogged(*, org: Organization, now: datetime) -> int:
    """Sessions ended over 2 hours ago and still not logged -> the mentor, once."""
    kind = NudgeKind.SESSION_UNLOGGED
    sessions = MentoringSession.objects.for_org(org).filter(
        status=MentoringSession.Status.BOOKED, end__lte=now - UNLOGGED_AFTER, end__gt=now - LOOKBACK,
        mentor__is_active=True,
    ).exclude(_opted_out(org, kind, "mentor")).exclude(_already(org, kind, "mentor"))

    def make(row, local_today):
        return "", row["end"] + UNLOGGED_AFTER, {"other": row["other"], "start": row["start"].isoformat()}

    rows = _rows(sessions, "mentor", "start", "end", other=F("mentee__display_name"))
    return _sweep(org, kind, "session", rows, now, make)


def nudge_sweep_surveys_pending(*, org: Organization, now: datetime) -> int:
    """Logged sessions whose survey a participant has not answered after 24 hours -> them, once."""
    kind = NudgeKind.SURVEY_PENDING
    seen = 0
    for role, other in (("mentor", "mentee"), ("mentee", "mentor")):
        sessions = MentoringSession.objects.for_org(org).filter(
            status=MentoringSession.Status.DONE, logged_at__lte=now - SURVEY_AFTER,
            logged_at__gt=now - LOOKBACK, **{f"{role}__is_active": True},
        ).exclude(Exists(SurveyResponse.objects.for_org(org).filter(
            session=OuterRef("pk"), respondent=OuterRef(role)))
        ).exclude(_opted_out(org, kind, role)).exclude(_already(org, kind, role))

        def make(row, local_today):
            return "", row["logged_at"] + SURVEY_AFTER, {"other": row["other"], "start": row["start"].isoformat()}

        rows = _rows(sessions, role, "start", "logged_at", other=F(f"{other}__display_name"))
        seen += _sweep(org, kind, "session", rows, now, make)


# --- The engine ------------------------------------------------------------------------------

def _opted_out(org: Organization, kind: str, recipient: str) -> Exists:
    """The recipient switched both channels of this kind off (unsubscribed)."""
    return Exists(NudgePreference.objects.for_org(org).filter(
        membership=OuterRef(recipient), kind=kind, email=False, in_app=False))


def _already(org: Organization, kind: str, recipient: str) -> Exists:
    """A once-only nudge exists: skip it in the query instead of conflicting on INSERT."""
    return Exists(Nudge.objects.for_org(org).filter(kind=kind, subject_id=OuterRef("pk"),
                                                    recipient=OuterRef(recipient), period=""))


def _rows(queryset, recipient: str, *fields: str, **expressions) -> Iterator[dict]:
    """Stream candidates with their recipient's zone and hours (one server-side cursor)."""
    return queryset.values(
        *fields, subject=F("pk"), recipient=F(f"{recipient}_id"), tz=F(f"{recipient}__time_zone"),
        hours_start=F(f"{recipient}__working_hours_start"), hours_end=F(f"{recipient}__working_hours_end"),
        **expressions,
    ).order_by("pk").iterator(chunk_size=BATCH)  # one order for racing sweeps: no deadlock between INSERTs


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sweep(org: Organization, kind: str, subject_kind: str, rows: Iterable[dict], now: datetime,
           make: Callable) -> int:
    """Rows -> nudges, a batch at a time: per batch (at most) two queries for
    the windows of recipients not seen yet and one INSERT, whatever the number of rows.
    ``make(row, local_today)`` gives (period, due_at or a local date, payload) or None."""
    seen = 0
    moment_of: dict = {}  # recipient -> deliver_after: many rows (and batches) share an owner
    zones: dict = {}  # zone name -> (zone, local date at ``now``)
    for batch in _batches(rows, BATCH):
        windows = _windows(org, {row["recipient"] for row in batch} - moment_of.keys())
        nudges = []
        for row in batch:
            if row["tz"] not in zones:
                zone = zoneinfo.ZoneInfo(row["tz"])
                zones[row["tz"]] = zone, now.astimezone(zone).date()
            tz, local_today = zones[row["tz"]]
            made = make(row, local_today)
            if made is None:
                continue
            period, due, payload = made
            due_at = due if isinstance(due, datetime) else datetime.combine(due, time(0), tzinfo=tz)
            if due_at > now:
                continue  # not yet: a later sweep creates it
            # Due by now: the first right moment from now (a late sweep never schedules in the past).
            if row["recipient"] not in moment_of:
                working, focus = windows.get(row["recipient"], ([], []))
                working = working or [(day, row["hours_start"], row["hours_end"]) for day in WORKDAYS]
                moment_of[row["recipient"]] = moments.deliverable_from(now, tz=row["tz"], working=working,
                                                                       focus=focus)
            deliver_after = moment_of[row["recipient"]]
            nudges.append(NudgeRow(
                kind, row["recipient"], subject_kind, row["subject"], period,
                Status.DEFERRED if deliver_after > now else Status.PENDING, due_at, deliver_after, payload))
        seen += len(nudges)
        _insert_nudges(org, nudges)
    return seen


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(n: "NudgeRow") -> str:
    """One line of COPY's text format (free text escaped; ids, times and choices are plain)."""
    return (f"{str(n.kind)}\t{n.recipient}\t{n.subject_kind.translate(_COPY_ESCAPES)}\t{n.subject}\t"
            f"{n.period.translate(_COPY_ESCAPES)}\t{str(n.status)}\t{n.due_at.isoformat()}\t"
            f"{n.deliver_after.isoformat()}\t{json.dumps(n.payload).translate(_COPY_ESCAPES)}\n")


class NudgeRow(NamedTuple):
    kind: str
    recipient: object
    subject_kind: str
    subject: object
    period: str
    status: str
    due_at: datetime
    deliver_after: datetime
    payload: dict


_COLUMNS = "kind, recipient_id, subject_kind, subject_id, period, status, due_at, deliver_after, payload"


def _insert_nudges(org: Organization, nudges: list[NudgeRow]) -> None:
    """One batch in, duplicates skipped (ON CONFLICT DO NOTHING on the unique
    constraint), in one fixed order so racing sweeps never deadlock. On Postgres
    the rows travel by COPY into a temporary table and one INSERT … SELECT: at
    100,000 rows Django's bulk_create spent most of the sweep preparing values
    (docs/performance.md, "Nudge sweep")."""
    if not nudges:
        return
    if connection.vendor != "postgresql":
        nudges.sort(key=lambda n: (str(n.subject), str(n.recipient), n.period))
        Nudge.objects.for_org(org).bulk_create([Nudge(
            organization=org, kind=n.kind, recipient_id=n.recipient, subject_kind=n.subject_kind,
            subject_id=n.subject, period=n.period, status=n.status, due_at=n.due_at,
            deliver_after=n.deliver_after, payload=n.payload) for n in nudges], ignore_conflicts=True)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped at commit; within an outer transaction it is reused, hence the TRUNCATE.
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS _nudge_batch (kind text, recipient_id uuid, subject_kind "
                       "text, subject_id uuid, period text, status text, due_at timestamptz, deliver_after "
                       "timestamptz, payload jsonb) ON COMMIT DROP")
        cursor.execute("TRUNCATE _nudge_batch")
        with cursor.cursor.copy(f"COPY _nudge_batch ({_COLUMNS}) FROM STDIN") as copy:
            copy.write("".join(map(_copy_line, nudges)))
        cursor.execute(
            f"INSERT INTO {Nudge._meta.db_table} (id, organization_id, {_COLUMNS}, attempts, last_error, "
            f"created_at) SELECT gen_random_uuid(), %s, {_COLUMNS}, 0, '', now() FROM _nudge_batch "
            f"ORDER BY subject_id, recipient_id, period ON CONFLICT DO NOTHING", [org.pk])


def _windows(org: Organization, recipients: set) -> dict:
    """{membership id: (working windows, focus blocks)} in two queries."""
    found: dict = {}
    for index, model in enumerate((WorkingWindow, FocusBlock)):
        for person, weekday, start, end in model.objects.for_org(org).filter(membership__in=recipients) \
                .order_by("weekday", "start").values_list("membership_id", "weekday", "start", "end"):
            found.setdefault(person, ([], []))[index].append((weekday, start, end))
    return found

