"""Logging a session in under a minute: minutes, outcome, private notes and at
least one next step, all in one transaction; and editing the notes later.

A session is logged once, by one of its two participants, after it started.
Every broken rule of the input is reported at once (a form shows them all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import Membership, WorkItem
from mentoring.services_timebank import timebank_earn

from ..models import MentoringSession, NextStep, OutcomeType, SessionNote

NO_NEXT_STEP = "Every session ends with at least one next step."
TITLE_MAX = NextStep._meta.get_field("title").max_length
NOTES_MAX = 20_000


@dataclass(frozen=True)
class NextStepDraft:
    """A next step as agreed in the session; ``owner`` is one of the two participants."""

    title: str
    owner: Membership
    due_date: date
    work_item: WorkItem | None = None


def require_participant(actor: Membership, session: MentoringSession, doing: str) -> None:
    if actor is None or not actor.is_active or not session.is_participant(actor) \
            or session.organization_id != actor.organization_id:
        raise NotPermitted(f"Only the two participants can {doing}.")


def check_minutes(org, actual_minutes) -> str | None:
    """The message for minutes outside the org's policy, or None."""
    if not isinstance(actual_minutes, int) or isinstance(actual_minutes, bool):
        return "Enter the minutes the session lasted as a whole number."
    if not org.session_min_minutes <= actual_minutes <= org.session_max_minutes:
        return (f"Sessions last {org.session_min_minutes}–{org.session_max_minutes} minutes in {org.name}; "
                f"you entered {actual_minutes}.")
    return None


def check_next_step(session: MentoringSession, step: NextStepDraft, label: str = "A next step") -> str | None:
    """The first problem of one next step, or None."""
    title = (step.title or "").strip()
    if not title:
        return f"{label} needs a title."
    if len(title) > TITLE_MAX:
        return f"{label}: keep the title under {TITLE_MAX} characters."
    if step.owner is None or step.owner.pk not in (session.mentor_id, session.mentee_id):
        return f"{label}: the owner is the mentor or the mentee of this session."
    if not isinstance(step.due_date, date) or isinstance(step.due_date, datetime):
        return f"{label} needs a due date."
    if step.work_item is not None and (step.work_item.organization_id != session.organization_id
                                       or step.work_item.membership_id != session.mentee_id):
        return f"{label}: link one of {session.mentee.display_name}’s work items, or none."
    return None


def session_log(*, actor: Membership, session: MentoringSession, actual_minutes: int, outcome_type: str,
                next_steps: list[NextStepDraft], notes: str = "", now: datetime | None = None) -> MentoringSession:
    require_participant(actor, session, "log this session")
    org = actor.organization
    errors: dict[str, list[str]] = {}
    if message := check_minutes(org, actual_minutes):
        errors["actual_minutes"] = [message]
    if outcome_type not in OutcomeType.values:
        errors["outcome_type"] = ["Pick the kind of outcome (e.g. code review)."]
    if len(notes or "") > NOTES_MAX:
        errors["notes"] = [f"Keep the notes under {NOTES_MAX:,} characters."]
    if not next_steps:
        errors["next_steps"] = [NO_NEXT_STEP]
    else:
        numbered = len(next_steps) > 1
        problems = [check_next_step(session, step, f"Next step {n}" if numbered else "The next step")
                    for n, step in enumerate(next_steps, start=1)]
        if any(problems):
            errors["next_steps"] = [p for p in problems if p]
    if errors:
        raise DomainError(errors)

    now = now or timezone.now()
    with transaction.atomic():
        # The row lock makes "logged twice" a clean 409, whoever of the two clicks last.
        session = MentoringSession.objects.for_org(org).select_for_update().get(pk=session.pk)
        if session.status == MentoringSession.Status.DONE:
            raise Conflict("This session is already logged.")
        if session.status == MentoringSession.Status.CANCELLED:
            raise Conflict("This session was cancelled; there is nothing to log.")
        if session.start > now:
            raise DomainError("This session has not started yet; log it afterwards.")
        session.status = MentoringSession.Status.DONE
        session.logged_at, session.logged_by = now, actor
        session.actual_minutes, session.outcome_type = actual_minutes, outcome_type
        session.save(update_fields=["status", "logged_at", "logged_by", "actual_minutes", "outcome_type",
                                    "updated_at"])
        SessionNote.objects.for_org(org).update_or_create(
            session=session, defaults={"organization": org, "text": (notes or "").strip()})
        NextStep.objects.for_org(org).bulk_create([
            NextStep(organization=org, session=session, owner=step.owner, title=step.title.strip(),
                     kind=outcome_type, due_date=step.due_date, work_item=step.work_item)
            for step in next_steps])
        # Time given is time earned: the mentor is credited the logged minutes.
        session.organization = org
        timebank_earn(session=session)
    return session


def session_note_update(*, actor: Membership, session: MentoringSession, text: str) -> SessionNote:
    """Private notes: only the two participants read or write them."""
    require_participant(actor, session, "edit the notes of this session")
    text = (text or "").strip()
    if len(text) > NOTES_MAX:
        raise DomainError(f"Keep the notes under {NOTES_MAX:,} characters.", field="text")
    org = actor.organization
    note, _ = SessionNote.objects.for_org(org).update_or_create(
        session=session, defaults={"organization": org, "text": text})
    return note
