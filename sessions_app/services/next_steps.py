"""Next steps after a session is logged: tick off, reopen, add, change.

The owner ticks their own next step off (a mentor sees a mentee's steps but
does not tick them for them); either participant adds or changes the steps of
their session. ``sequence`` is bumped on every change so the VTODO in
calendar feeds updates.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership, WorkItem

from ..models import MentoringSession, NextStep
from .logging import NextStepDraft, check_next_step, require_participant

_UNSET = object()


def _require_owner(actor: Membership, step: NextStep) -> None:
    if actor is None or not actor.is_active or step.owner_id != actor.pk \
            or step.organization_id != actor.organization_id:
        raise NotPermitted("Only the owner of a next step ticks it off or reopens it.")


def _set_done(actor: Membership, step: NextStep, done_at: datetime | None) -> NextStep:
    _require_owner(actor, step)
    steps = NextStep.objects.for_org(actor.organization).filter(pk=step.pk)
    # Compare-and-swap: a double click (or two tabs) changes it once.
    steps.filter(done_at__isnull=done_at is not None).update(done_at=done_at, sequence=F("sequence") + 1)
    step.refresh_from_db(fields=["done_at", "sequence"])
    return step


def next_step_complete(*, actor: Membership, next_step: NextStep, now: datetime | None = None) -> NextStep:
    return _set_done(actor, next_step, now or timezone.now())


def next_step_reopen(*, actor: Membership, next_step: NextStep) -> NextStep:
    return _set_done(actor, next_step, None)


def _require_logged(session: MentoringSession) -> None:
    if session.status != MentoringSession.Status.DONE:
        raise DomainError("Next steps are added when the session is logged.")


@transaction.atomic
def next_step_create(*, actor: Membership, session: MentoringSession, title: str, owner: Membership,
                     due_date: date, work_item: WorkItem | None = None) -> NextStep:
    require_participant(actor, session, "add next steps to this session")
    _require_logged(session)
    if message := check_next_step(session, NextStepDraft(title, owner, due_date, work_item)):
        raise DomainError(message, field="next_step")
    return NextStep.objects.for_org(actor.organization).create(
        organization=actor.organization, session=session, owner=owner, title=title.strip(),
        kind=session.outcome_type or NextStep._meta.get_field("kind").default, due_date=due_date,
        work_item=work_item)


@transaction.atomic
def next_step_update(*, actor: Membership, next_step: NextStep, title=_UNSET, owner=_UNSET, due_date=_UNSET,
                     work_item=_UNSET) -> NextStep:
    """Change what is given; the rest stays."""
    step = NextStep.objects.for_org(actor.organization).select_for_update() \
        .select_related("session__mentee").get(pk=next_step.pk)
    require_participant(actor, step.session, "change the next steps of this session")
    draft = NextStepDraft(
        title=step.title if title is _UNSET else title,
        owner=step.owner if owner is _UNSET else owner,
        due_date=step.due_date if due_date is _UNSET else due_date,
        work_item=step.work_item if work_item is _UNSET else work_item)
    if message := check_next_step(step.session, draft):
        raise DomainError(message, field="next_step")
    step.title, step.owner, step.due_date, step.work_item = draft.title.strip(), draft.owner, draft.due_date, \
        draft.work_item
    step.sequence += 1
    step.save(update_fields=["title", "owner", "due_date", "work_item", "sequence"])
    return step
