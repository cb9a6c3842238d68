"""Nudges: the sweeps that create them, the claim that lets exactly one
worker deliver each, the delivery, and people's channel choices. The sweeps
themselves live in ``nudges_sweeps`` (with the engine they share),
``nudges_programs``, ``nudges_digest`` and ``nudges_external``.

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

import logging
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership, Organization

from ..models import MentoringSession, NextStep, Notification, Nudge, NudgeKind, NudgePreference, OrgNudgeSetting, \
    SurveyResponse
# Programs and the weekly digest (issue 5, second part).
from .nudges_digest import digest_message, digest_sweep, digest_templates
# trial_ending for external mentors (issue 3).
from .nudges_external import nudge_sweep_trial_ending, trial_cancel_reason, trial_message
from .nudges_programs import (PROGRAM_KINDS, nudge_sweep_mentor_load, nudge_sweep_quiet_mentees,
                              nudge_sweep_stalled_pairs, program_actions, program_cancel_reason, program_message)
# The sweep engine and the next-step, session and survey sweeps (re-exported: callers import them from here).
from .nudges_sweeps import (BATCH, LOOKBACK, OVERDUE_DAYS, OVERDUE_GRACE, SURVEY_AFTER, UNLOGGED_AFTER,  # noqa: F401
                            _opted_out, _rows, _sweep, nudge_sweep_next_steps_due, nudge_sweep_next_steps_overdue,
                            nudge_sweep_sessions_unlogged, nudge_sweep_surveys_pending)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=2)  # 2, 4, 8, 16 minutes between attempts
DELIVER_LIMIT = 5000  # per delivery sweep; the next beat takes the rest
UNSUBSCRIBE_SALT = "touchpoint.nudges.unsubscribe"
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
    if nudge.kind == NudgeKind.TRIAL_ENDING:  # external mentors (issue 3, services/nudges_external.py)
        return trial_cancel_reason(nudge)
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
    if kind == NudgeKind.TRIAL_ENDING:  # external mentors (issue 3, services/nudges_external.py)
        return trial_message(nudge)
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

