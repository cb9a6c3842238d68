"""Nudges: the sweeps that create them, the claim that lets exactly one
worker deliver each, the delivery, and people's channel choices.

Exactly once, end to end:
- a sweep turns query results into ``Nudge`` rows in batches with
  INSERT … ON CONFLICT DO NOTHING under the (kind, subject, recipient,
  period) unique constraint: racing or repeated sweeps create each nudge once;
- delivery claims the row with a compare-and-swap UPDATE in the same
  transaction that writes the notification, marks it sent and — last, right
  before COMMIT — hands the email over. A second worker's claim waits on the
  row lock and then matches nothing; a worker killed mid-delivery rolls the
  claim back, so the nudge stays claimable and the next delivery sweep
  re-enqueues it. Only a crash between the SMTP hand-off and COMMIT could
  repeat an email (SMTP is not transactional); nothing is ever lost;
- a send that raises is recorded on the row (attempts, last error) and
  retried later with exponential back-off, then marked failed.
"""

from __future__ import annotations

import bisect
import json
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership, Organization

from .. import moments
from ..models import (FocusBlock, MentoringSession, NextStep, Notification, Nudge, NudgeKind, NudgePreference,
                      OrgNudgeSetting, SurveyResponse, WorkingWindow)
# Programs and the weekly digest (issue 5, second part).
from .nudges_digest import digest_message, digest_sweep, digest_templates
from .nudges_programs import (PROGRAM_KINDS, nudge_sweep_mentor_load, nudge_sweep_quiet_mentees,
                              nudge_sweep_stalled_pairs, program_actions, program_cancel_reason, program_message)

logger = logging.getLogger(__name__)

BATCH = 2000  # rows per INSERT (and per load of the recipients' windows)
OVERDUE_DAYS = (1, 3, 7)  # overdue reminders this many days after the due date, then no more
OVERDUE_GRACE = 2  # days a missed overdue stage may still be sent (the beat was down); ≤ the gaps above
UNLOGGED_AFTER = timedelta(hours=2)
SURVEY_AFTER = timedelta(hours=24)
# Sessions further back are never nudged: switching nudges on does not flood people with old news.
LOOKBACK = timedelta(days=7)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=2)  # 2, 4, 8, 16 minutes between attempts
DELIVER_LIMIT = 5000  # per delivery sweep; the next beat takes the rest
UNSUBSCRIBE_SALT = "touchpoint.nudges.unsubscribe"
WORKDAYS = range(5)  # as availability: no declared windows means Mon–Fri within the profile's hours
Status = Nudge.Status


# --- Sweeps ----------------------------------------------------------------------------------

def nudge_sweep(*, org: Organization, now: datetime | None = None) -> dict[str, int]:
    """Every sweep of one organisation; returns candidates seen per kind."""
    now = now or timezone.now()
    off = set(OrgNudgeSetting.objects.for_org(org).filter(enabled=False).values_list("kind", flat=True))
    sweeps = {
        NudgeKind.NEXT_STEP_DUE: nudge_sweep_next_steps_due,
        NudgeKind.NEXT_STEP_OVERDUE: nudge_sweep_next_steps_overdue,
        NudgeKind.SESSION_UNLOGGED: nudge_sweep_sessions_unlogged,
        NudgeKind.SURVEY_PENDING: nudge_sweep_surveys_pending,
        # Programs and the weekly digest (services/nudges_programs.py, nudges_digest.py).
        NudgeKind.NO_SESSION_14D: nudge_sweep_quiet_mentees,
        NudgeKind.STALLED_PAIR: nudge_sweep_stalled_pairs,
        NudgeKind.MENTOR_LOAD: nudge_sweep_mentor_load,
        NudgeKind.WEEKLY_DIGEST: digest_sweep,
        NudgeKind.TRIAL_ENDING: nudge_sweep_trial_ending,
    }
    return {kind.value: 0 if kind in off else sweep(org=org, now=now) for kind, sweep in sweeps.items()}


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
    return seen


# --- trial_ending (external mentors, issue 3) ---------------------------------------------------

def _trial_periods(terms, used: int, today: date) -> list[str]:
    """Which trial_ending occurrences are due: "<trial end>" from 7 days before
    the end (until it is over), "<trial end>#used" once the trial sessions are used up."""
    from mentoring.selectors_external import trial_state

    trial = trial_state(terms, used, today)
    end = terms.trial_ends_on.isoformat()
    periods = [end] if trial.ending_soon else []
    if trial.used_up and not trial.ended:
        periods.append(f"{end}#used")
    return periods


def nudge_sweep_trial_ending(*, org: Organization, now: datetime) -> int:
    """An external mentor's paid trial ends within 7 days, or its sessions are
    used up -> every active program manager, once per trial end date (and once
    more when the sessions are used up). Three queries whatever the numbers."""
    from mentoring.models_external import ExternalTerms
    from mentoring.selectors_external import TRIAL_WARNING_DAYS, trial_use

    kind = NudgeKind.TRIAL_ENDING
    today = now.astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()
    running = list(ExternalTerms.objects.for_org(org).filter(
        mentor__is_active=True, mentor__is_external=True, trial_ends_on__gte=today,
        trial_starts_on__lte=today + timedelta(days=TRIAL_WARNING_DAYS)).select_related("mentor"))
    used = trial_use(org, running)
    candidates = [(terms, used.get(terms.mentor_id, 0)) for terms in running]
    candidates = [(terms, n, _trial_periods(terms, n, today)) for terms, n in candidates]
    candidates = [(terms, n, periods) for terms, n, periods in candidates if periods]
    if not candidates:
        return 0
    managers = list(Membership.objects.for_org(org).filter(is_active=True, is_manager=True)
                    .exclude(_opted_out(org, kind, "pk")).values(
                        "pk", "time_zone", "working_hours_start", "working_hours_end"))
    rows = [{"subject": terms.pk, "recipient": m["pk"], "tz": m["time_zone"], "hours_start": m["working_hours_start"],
             "hours_end": m["working_hours_end"], "period": period, "mentor": terms.mentor.display_name,
             "ends": terms.trial_ends_on.isoformat(), "used": n, "size": terms.trial_sessions}
            for terms, n, periods in candidates for period in periods for m in managers]

    def make(row, local_today):
        payload = {key: row[key] for key in ("mentor", "ends", "used", "size")}
        return row["period"], now, payload

    return _sweep(org, kind, "external_terms", rows, now, make)


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


# --- Delivery ----------------------------------------------------------------------------------

def nudges_due(*, now: datetime | None = None, limit: int = DELIVER_LIMIT) -> list[str]:
    """Ids of claimable nudges whose moment has come, across orgs (the beat
    has no org; each is then delivered inside its own), oldest first."""
    now = now or timezone.now()
    ids = Nudge.unscoped.filter(status__in=Nudge.CLAIMABLE, deliver_after__lte=now) \
        .order_by("deliver_after").values_list("pk", flat=True)[:limit]
    return [str(pk) for pk in ids]


def nudge_claim(*, nudge: Nudge, now: datetime) -> bool:
    """Compare-and-swap: True for exactly one caller. Run it inside the
    delivery transaction: a rival claim waits on the row lock, then matches nothing."""
    return Nudge.objects.for_org(nudge.organization).filter(
        pk=nudge.pk, status__in=Nudge.CLAIMABLE, deliver_after__lte=now,
    ).update(status=Status.SENDING, claimed_at=now) == 1


def nudge_deliver(*, nudge_id, now: datetime | None = None) -> str:
    """Deliver one nudge if it is due and nobody else has: in-app notification
    and/or email by the recipient's choice; cancelled when no longer relevant."""
    now = now or timezone.now()
    nudge = Nudge.unscoped.select_related("organization", "recipient").filter(pk=nudge_id).first()
    if nudge is None:
        return "gone"
    try:
        with transaction.atomic():
            if not nudge_claim(nudge=nudge, now=now):
                return "skipped"
            return _deliver_claimed(nudge, now)
    except Exception as error:  # the send failed: record it on the row and retry later
        logger.exception("Nudge %s could not be delivered", nudge.pk)
        return _record_failure(nudge, error, now)


def _deliver_claimed(nudge: Nudge, now: datetime) -> str:
    org, nudges = nudge.organization, Nudge.objects.for_org(nudge.organization).filter(pk=nudge.pk)
    email_on, in_app_on = nudge_channels(membership=nudge.recipient, kind=nudge.kind)
    reason = _cancel_reason(nudge) or (None if email_on or in_app_on else "unsubscribed")
    if reason:
        nudges.update(status=Status.CANCELLED, last_error=reason)
        return "cancelled"
    title, body, path = nudge_message(nudge)
    if in_app_on:
        Notification.objects.for_org(org).create(
            organization=org, recipient=nudge.recipient, nudge=nudge, title=title, body=body, link=path)
    nudges.update(status=Status.SENT, sent_at=now, attempts=F("attempts") + 1)
    if email_on:
        _send_email(nudge, title, body, path)  # last, right before COMMIT (see the module docstring)
    return "sent"


def _record_failure(nudge: Nudge, error: Exception, now: datetime) -> str:
    attempts = nudge.attempts + 1
    failed = attempts >= MAX_ATTEMPTS
    Nudge.objects.for_org(nudge.organization).filter(
        pk=nudge.pk, status__in=Nudge.CLAIMABLE, attempts=nudge.attempts,
    ).update(attempts=attempts, last_error=f"{type(error).__name__}: {error}"[:2000],
             deliver_after=now + RETRY_BASE * 2 ** (attempts - 1),
             status=Status.FAILED if failed else F("status"))
    return "failed" if failed else "retrying"


def _cancel_reason(nudge: Nudge) -> str | None:
    """Why the nudge no longer applies (the thing was done meanwhile), or None."""
    org = nudge.organization
    if not nudge.recipient.is_active:
        return "recipient deactivated"
    if OrgNudgeSetting.objects.for_org(org).filter(kind=nudge.kind, enabled=False).exists():
        return "switched off for the organisation"
    if nudge.kind in (NudgeKind.NEXT_STEP_DUE, NudgeKind.NEXT_STEP_OVERDUE):
        due = date.fromisoformat(nudge.period.split("#")[0])
        still = NextStep.objects.for_org(org).filter(pk=nudge.subject_id, owner=nudge.recipient,
                                                     done_at__isnull=True, due_date=due).exists()
        return None if still else "next step done or moved"
    if nudge.kind == NudgeKind.TRIAL_ENDING:  # external mentors (issue 3)
        from mentoring.models_external import ExternalTerms

        terms = ExternalTerms.objects.for_org(org).filter(pk=nudge.subject_id, mentor__is_active=True,
                                                          mentor__is_external=True).first()
        if not nudge.recipient.is_manager:
            return "recipient no longer a program manager"
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()
        if terms is None or nudge.period.split("#")[0] != terms.trial_ends_on.isoformat() \
                or terms.trial_ends_on < today:
            return "trial changed or over"
        return None
    # Programs and the weekly digest (services/nudges_programs.py, nudges_digest.py).
    if nudge.kind in PROGRAM_KINDS:
        return program_cancel_reason(nudge)
    if nudge.kind == NudgeKind.WEEKLY_DIGEST:
        return None
    sessions = MentoringSession.objects.for_org(org).filter(pk=nudge.subject_id)
    if nudge.kind == NudgeKind.SESSION_UNLOGGED:
        return None if sessions.filter(status=MentoringSession.Status.BOOKED).exists() else "session logged"
    if nudge.kind == NudgeKind.SURVEY_PENDING:
        answered = SurveyResponse.objects.for_org(org).filter(session=OuterRef("pk"), respondent=nudge.recipient)
        still = sessions.filter(status=MentoringSession.Status.DONE).exclude(Exists(answered)).exists()
        return None if still else "survey answered"
    return None


def nudge_message(nudge: Nudge) -> tuple[str, str, str]:
    """(title, body, path of the exact thing) from the payload the sweep captured."""
    slug, payload, kind = nudge.organization.slug, nudge.payload, nudge.kind
    # Programs and the weekly digest (services/nudges_programs.py, nudges_digest.py).
    if kind in PROGRAM_KINDS:
        return program_message(nudge)
    if kind == NudgeKind.WEEKLY_DIGEST:
        return digest_message(nudge)
    if kind in (NudgeKind.NEXT_STEP_DUE, NudgeKind.NEXT_STEP_OVERDUE):
        due = date.fromisoformat(payload["due"])
        path = reverse("next_step_list", kwargs={"org_slug": slug}) + f"#step-{nudge.subject_id}"
        if kind == NudgeKind.NEXT_STEP_DUE:
            return (f"Due tomorrow: {payload['title']}",
                    f"Your next step “{payload['title']}” is due on {due:%A %d %B}. Tick it off once it is done.",
                    path)
        return (f"Overdue: {payload['title']}",
                f"Your next step “{payload['title']}” was due on {due:%A %d %B}. Done? Tick it off. "
                f"Stuck? Agree a new date with your mentor.", path)
    if kind == NudgeKind.TRIAL_ENDING:  # external mentors (issue 3)
        ends = date.fromisoformat(payload["ends"])
        used = f"{payload['used']} of {payload['size']} trial session(s) used"
        path = reverse("external_mentors", kwargs={"org_slug": slug}) + f"#terms-{nudge.subject_id}"
        if nudge.period.endswith("#used"):
            return (f"Trial sessions used up: {payload['mentor']}",
                    f"{payload['mentor']} has given all {payload['size']} paid-trial session(s); the trial runs until "
                    f"{ends:%A %d %B}. Decide whether to continue the engagement.", path)
        return (f"Trial ending: {payload['mentor']}",
                f"The paid trial of {payload['mentor']} ends on {ends:%A %d %B} ({used}). Decide whether to "
                f"continue the engagement.", path)
    when = _local(payload["start"], nudge.recipient.time_zone)
    session_kwargs = {"org_slug": slug, "session_id": nudge.subject_id}
    if kind == NudgeKind.SESSION_UNLOGGED:
        return (f"Log your session with {payload['other']}",
                f"Your session of {when} is waiting to be logged: under a minute, with at least one next step.",
                reverse("session_log", kwargs=session_kwargs))
    return (f"How useful was your session with {payload['other']}?",
            f"Two quick questions about your session of {when} help your mentoring programme.",
            reverse("session_survey", kwargs=session_kwargs))


def _local(iso: str, tz_name: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(zoneinfo.ZoneInfo(tz_name)):%a %d %b, %H:%M}"


def _send_email(nudge: Nudge, title: str, body: str, path: str) -> None:
    unsubscribe = settings.SITE_URL + reverse("nudge_unsubscribe", args=[unsubscribe_token(
        membership=nudge.recipient, kind=nudge.kind)])
    context = {"person": nudge.recipient, "org": nudge.organization, "title": title, "body": body,
               "url": settings.SITE_URL + path, "unsubscribe_url": unsubscribe,
               "preferences_url": settings.SITE_URL + reverse(
                   "notification_preferences", kwargs={"org_slug": nudge.organization.slug}),
               "kind_label": NudgeKind(nudge.kind).label}
    # Programs and the weekly digest: one-click slot links; the digest's own templates.
    context["actions"] = [(label, settings.SITE_URL + link) for label, link in program_actions(nudge)]
    template, extra = digest_templates(nudge)
    context.update(extra)
    message = EmailMultiAlternatives(
        subject=f"[Touchpoint] {title}", body=render_to_string(f"{template}.txt", context),
        to=[nudge.recipient.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "X-Touchpoint-Nudge": str(nudge.pk)})
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()


# --- Channels, preferences, unsubscribe -----------------------------------------------------

def nudge_channels(*, membership: Membership, kind: str) -> tuple[bool, bool]:
    """(email, in-app) for this person and kind; no preference row means both on."""
    from ..selectors.nudges import default_channels

    choice = NudgePreference.objects.for_org(membership.organization).filter(membership=membership, kind=kind) \
        .values_list("email", "in_app").first()
    return choice or default_channels(membership, kind)


@transaction.atomic
def nudge_preferences_set(*, actor: Membership, choices: dict[str, tuple[bool, bool]]) -> None:
    """The actor's own (email, in-app) per kind."""
    _require_active(actor)
    org = actor.organization
    unknown = set(choices) - set(NudgeKind.values)
    if unknown:
        raise DomainError(f"Unknown kind of reminder: {', '.join(sorted(unknown))}.", field="kind")
    for kind, (email, in_app) in choices.items():
        NudgePreference.objects.for_org(org).update_or_create(
            membership=actor, kind=kind,
            defaults={"organization": org, "email": bool(email), "in_app": bool(in_app)})


@transaction.atomic
def org_nudge_kinds_set(*, actor: Membership, enabled: Iterable[str]) -> None:
    """Managers switch kinds on or off for the whole organisation."""
    _require_active(actor)
    if not actor.is_manager:
        raise NotPermitted("Only program managers switch reminders on or off for the organisation.")
    enabled, org = set(enabled), actor.organization
    if enabled - set(NudgeKind.values):
        raise DomainError("Unknown kind of reminder.", field="kind")
    for kind in NudgeKind.values:
        OrgNudgeSetting.objects.for_org(org).update_or_create(
            kind=kind, defaults={"organization": org, "enabled": kind in enabled})


def unsubscribe_token(*, membership: Membership, kind: str) -> str:
    """Signed, so the link works without signing in and names only this person and kind."""
    return signing.dumps({"m": str(membership.pk), "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_target(*, token: str) -> tuple[Membership, str]:
    """(membership, kind) a token names; DomainError when forged or stale."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kind = NudgeKind(data["k"]).value
        membership = Membership.unscoped.select_related("organization").get(pk=data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, Membership.DoesNotExist):
        raise DomainError("This unsubscribe link is not valid.", field="token") from None
    return membership, kind


@transaction.atomic
def nudge_unsubscribe(*, token: str) -> tuple[Membership, str]:
    """Stop one kind of reminder for the person the token names (both
    channels: they can turn in-app back on from their preferences)."""
    membership, kind = unsubscribe_target(token=token)
    org = membership.organization
    NudgePreference.objects.for_org(org).update_or_create(
        membership=membership, kind=kind, defaults={"organization": org, "email": False, "in_app": False})
    return membership, kind


# --- Notification centre ------------------------------------------------------------------------

def notification_mark_read(*, actor: Membership, notification_id, now: datetime | None = None) -> int:
    """Only the recipient's own; another's id simply matches nothing."""
    return Notification.objects.for_org(actor.organization).filter(
        pk=notification_id, recipient=actor, read_at__isnull=True).update(read_at=now or timezone.now())


def notifications_mark_all_read(*, actor: Membership, now: datetime | None = None) -> int:
    return Notification.objects.for_org(actor.organization).filter(
        recipient=actor, read_at__isnull=True).update(read_at=now or timezone.now())


def _require_active(actor: Membership) -> None:
    if actor is None or not actor.is_active:
        raise NotPermitted("Only active members change reminders.")

