"""What managers watch: nudges per kind per week by status, and what failed."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from mentoring.models import Organization

from ..models import Nudge, NudgeKind, OrgWebhook, WebhookDelivery

WEEKS = 8
COUNTED = ("sent", "deferred", "pending", "failed", "cancelled")


def nudge_activity(org: Organization, *, now: datetime | None = None, weeks: int = WEEKS) -> list[dict]:
    """Rows {week, kind, label, sent, deferred, pending, failed, cancelled} for the
    last ``weeks`` ISO weeks (org's zone, by when the nudge became due): one aggregate query."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(org.time_zone)
    rows = Nudge.objects.for_org(org).filter(due_at__gte=now - timedelta(weeks=weeks)).order_by() \
        .annotate(week=TruncWeek("due_at", tzinfo=tz)).values("week", "kind") \
        .annotate(**{status: Count("pk", filter=Q(status=status)) for status in COUNTED}) \
        .order_by("-week", "kind")
    labels = dict(NudgeKind.choices)
    return [{**row, "week": row["week"].date() if hasattr(row["week"], "date") else row["week"],
             "label": labels.get(row["kind"], row["kind"])} for row in rows]


def activity_by_week(rows: list[dict]) -> list[tuple]:
    """[(week, [rows])] newest first, for the page."""
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[row["week"]].append(row)
    return sorted(grouped.items(), key=lambda item: item[0], reverse=True)


def failed_nudges(org: Organization):
    return Nudge.objects.for_org(org).filter(status=Nudge.Status.FAILED).select_related("recipient") \
        .order_by("-due_at", "-id")


def webhook_of(org: Organization) -> OrgWebhook | None:
    return OrgWebhook.objects.for_org(org).first()


def webhook_deliveries(org: Organization, *, limit: int = 20) -> list[WebhookDelivery]:
    """The latest posts, failed ones first (they need a look)."""
    failed_first = Case(When(status=WebhookDelivery.Status.FAILED, then=Value(0)), default=Value(1))
    return list(WebhookDelivery.objects.for_org(org).defer("body").order_by(failed_first, "-created_at")[:limit])
