"""Managers act on nudges that failed: send them again."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mentoring.errors import NotPermitted
from mentoring.models import Membership

from ..models import Nudge


def nudge_retry(*, actor: Membership, nudge_id, now: datetime | None = None) -> int:
    """A failed nudge becomes claimable again with a fresh round of attempts;
    delivery is enqueued after commit (and the delivery beat would find it anyway)."""
    if actor is None or not actor.is_active or not actor.is_manager:
        raise NotPermitted("Only program managers send failed reminders again.")
    now = now or timezone.now()
    with transaction.atomic():
        changed = Nudge.objects.for_org(actor.organization).filter(pk=nudge_id, status=Nudge.Status.FAILED) \
            .update(status=Nudge.Status.PENDING, attempts=0, deliver_after=now)
        if changed:
            from mentoring.outbox import enqueue_on_commit

            from ..tasks_nudges import deliver_nudge

            enqueue_on_commit(deliver_nudge, str(nudge_id))
    return changed
