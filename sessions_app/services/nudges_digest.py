"""The weekly digest for the standup ritual.

Monday morning in the organisation's zone (from ``DIGEST_HOUR``), the beat's
digest sweep creates the ``WeeklyDigest`` of the week that just ended — once
per org per ISO week under its unique constraint — and, in the same
transaction, one ``weekly_digest`` nudge per recipient (managers, and members
who opted in) plus one post to the org's webhook. Delivery is the nudges'
delivery: claimed once, deferred to each person's working hours.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from mentoring.models import Membership, Organization

from ..models import NudgeKind, NudgePreference, WeeklyDigest
from ..selectors.digest import Digest, week_start_of, weekly_digest
from .webhooks import slack_body, webhook_enqueue

DIGEST_HOUR = 8  # local time on Monday from which the digest goes out
CATCH_UP_DAYS = 3  # a beat that was down still sends it until Wednesday night; later it is stale news
KIND = NudgeKind.WEEKLY_DIGEST


def digest_week_due(org: Organization, now: datetime) -> date | None:
    """The Monday of the week whose digest is due at ``now`` (org's zone), or None before Monday 08:00."""
    local = now.astimezone(zoneinfo.ZoneInfo(org.time_zone))
    if local.weekday() >= CATCH_UP_DAYS or (local.weekday() == 0 and local.hour < DIGEST_HOUR):
        return None
    return week_start_of(local.date()) - timedelta(days=7)


def digest_recipients(org: Organization):
    """Active managers (unless they switched it off) and members who opted in."""
    prefs = NudgePreference.objects.for_org(org).filter(membership=OuterRef("pk"), kind=KIND)
    opted_in = prefs.filter(Q(email=True) | Q(in_app=True))
    return Membership.objects.for_org(org).filter(is_active=True).filter(
        (Q(is_manager=True) & ~Exists(prefs.filter(email=False, in_app=False))) | Exists(opted_in))


def digest_sweep(*, org: Organization, now: datetime) -> int:
    """Create this week's digest and its nudges once; returns nudges made (0 when not due or done)."""
    from .nudges_sweeps import _sweep

    week = digest_week_due(org, now)
    if week is None:  # (switched off for the org: nudge_sweep does not call this)
        return 0
    if WeeklyDigest.objects.for_org(org).filter(week_start=week).exists():
        return 0
    with transaction.atomic():
        digest, created = WeeklyDigest.objects.for_org(org).get_or_create(
            week_start=week, defaults={"organization": org})
        if not created:  # a racing sweep made it
            return 0
        period = _iso_week(week)
        rows = ({**row, "subject": digest.pk} for row in digest_recipients(org).values(
            recipient=F("pk"), tz=F("time_zone"), hours_start=F("working_hours_start"),
            hours_end=F("working_hours_end")).order_by("pk"))
        made = _sweep(org, KIND, "digest", rows, now,
                      lambda row, local_today: (period, now, {"week": week.isoformat()}))
        WeeklyDigest.objects.for_org(org).filter(pk=digest.pk).update(recipients=made)
        content = weekly_digest(org, week)
        webhook_enqueue(org=org, event="weekly_digest", subject_id=digest.pk, period=period,
                        body=slack_body(*digest_slack(content)), now=now)
    return made


def _iso_week(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def digest_path(org: Organization, week: date) -> str:
    return reverse("digest", kwargs={"org_slug": org.slug}) + f"?week={_iso_week(week)}"


def digest_of(nudge) -> Digest:
    """The digest a nudge carries (computed once per delivery)."""
    if not hasattr(nudge, "_digest"):
        nudge._digest = weekly_digest(nudge.organization, date.fromisoformat(nudge.payload["week"]))
    return nudge._digest


def digest_message(nudge) -> tuple[str, str, str]:
    return digest_title(digest_of(nudge))


def digest_title(digest: Digest) -> tuple[str, str, str]:
    title = f"Weekly digest: week of {digest.week_start.day} {digest.week_start:%b}"
    return title, f"{digest.org.name} last week: {digest.summary()}.", digest_path(digest.org, digest.week_start)


def digest_templates(nudge) -> tuple[str, dict]:
    """(email template base name, extra context) for a nudge's email."""
    if nudge.kind != KIND:
        return "emails/nudge", {}
    return "emails/digest", {"digest": digest_of(nudge)}


def digest_slack(digest: Digest) -> tuple[str, list[dict]]:
    """(text, blocks) of a Slack-compatible message."""
    title, _, path = digest_title(digest)

    def section(text: str) -> dict:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}

    blocks = [{"type": "header", "text": {"type": "plain_text", "text": f"{digest.org.name} · {title}"[:150]}},
              section(f"*{digest.total.sessions}* sessions held · *{digest.total.steps}* next steps completed · "
                      f"*{digest.total.kudos}* kudos")]
    for heading, rows in (("Per team", digest.teams), ("Per cohort", digest.cohorts)):
        if rows:
            blocks.append(section(f"*{heading}*\n" + "\n".join(
                f"• {row.name}: {row.sessions} sessions, {row.steps} steps, {row.kudos} kudos" for row in rows)))
    if digest.shout_outs:
        blocks.append(section("*Shout-outs*\n" + "\n".join(
            f"• {k.giver.display_name} → {k.receiver.display_name}: “{k.message}”" for k in digest.shout_outs)))
    blocks.append(section(f"<{settings.SITE_URL}{path}|Open the digest>"))
    return f"{digest.org.name} · {title}: {digest.summary()}.", blocks
