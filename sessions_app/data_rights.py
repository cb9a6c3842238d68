"""The session loop's part of data rights (mentoring/data_rights.py): what a member gets in their
export, and what erasing a person removes. Sessions, their next steps and time claims stay (the other
participant and the dashboards' counts need them); what is about the erased person is blanked."""

from __future__ import annotations

from django.db.models import Q

from mentoring.data_rights import FORMER_MEMBER, collector, eraser
from mentoring.models import Membership

from .models import (CalendarFeed, ExternalCalendar, FocusBlock, Kudos, MentoringSession, NextStep, SessionNote,
                     SurveyResponse, WorkingWindow)
from .models_nudges import Notification, Nudge, NudgePreference

ERASED = "(erased)"


def _sessions(m: Membership):
    return MentoringSession.objects.for_org(m.organization).filter(Q(mentor=m) | Q(mentee=m))


# --- Export ------------------------------------------------------------------------------------------

@collector("sessions")
def _export_sessions(m: Membership) -> list[dict]:
    rows = _sessions(m).select_related("mentor", "mentee").order_by("start")
    return [{"id": s.pk, "role": "mentor" if s.mentor_id == m.pk else "mentee",
             "with": (s.mentee if s.mentor_id == m.pk else s.mentor).display_name, "start": s.start, "end": s.end,
             "status": s.status, "outcome_type": s.outcome_type, "actual_minutes": s.actual_minutes,
             "cancel_reason": s.cancel_reason} for s in rows]


@collector("session_notes")
def _export_notes(m: Membership) -> list[dict]:
    # A note belongs to its session and is written by its two participants together.
    notes = SessionNote.objects.for_org(m.organization).filter(session__in=_sessions(m)).exclude(text="")
    return [{"session": n.session_id, "text": n.text, "updated_at": n.updated_at} for n in notes.order_by("updated_at")]


@collector("next_steps")
def _export_next_steps(m: Membership) -> list[dict]:
    steps = NextStep.objects.for_org(m.organization).filter(owner=m).order_by("due_date", "id")
    return [{"session": s.session_id, "title": s.title, "kind": s.kind, "due_date": s.due_date,
             "done_at": s.done_at} for s in steps]


@collector("survey_answers")
def _export_surveys(m: Membership) -> list[dict]:
    answers = SurveyResponse.objects.for_org(m.organization).filter(respondent=m).order_by("session__start")
    return [{"session": a.session_id, "usefulness": a.usefulness, "comment": a.comment} for a in answers]


@collector("kudos")
def _export_kudos(m: Membership) -> dict:
    feed = Kudos.objects.for_org(m.organization).select_related("giver", "receiver").order_by("created_at")
    return {"sent": [{"to": k.receiver.display_name, "message": k.message, "at": k.created_at}
                     for k in feed.filter(giver=m)],
            "received": [{"from": k.giver.display_name, "message": k.message, "at": k.created_at}
                         for k in feed.filter(receiver=m)]}


@collector("notifications")
def _export_notifications(m: Membership) -> list[dict]:
    rows = Notification.objects.for_org(m.organization).filter(recipient=m).order_by("created_at")
    return [{"title": n.title, "body": n.body, "link": n.link, "created_at": n.created_at, "read_at": n.read_at}
            for n in rows]


@collector("availability")
def _export_availability(m: Membership) -> dict:
    org = m.organization
    return {"working_windows": list(WorkingWindow.objects.for_org(org).filter(membership=m)
                                    .values("weekday", "start", "end")),
            "focus_blocks": list(FocusBlock.objects.for_org(org).filter(membership=m)
                                 .values("weekday", "start", "end", "label")),
            "calendars": list(ExternalCalendar.objects.for_org(org).filter(membership=m).values("name", "url")),
            "nudge_preferences": list(NudgePreference.objects.for_org(org).filter(membership=m)
                                      .values("kind", "email", "in_app"))}


# --- Erasure -----------------------------------------------------------------------------------------

@eraser("session_notes")
def _erase_notes(m: Membership) -> int:
    return SessionNote.objects.for_org(m.organization).filter(session__in=_sessions(m)).exclude(text="") \
        .update(text="")


@eraser("own_next_steps")
def _erase_own_step_titles(m: Membership) -> int:
    # The rows stay: completion counts on dashboards are computed from them.
    return NextStep.objects.for_org(m.organization).filter(owner=m).update(title=ERASED)


@eraser("survey_comments")
def _erase_survey_comments(m: Membership) -> int:
    return SurveyResponse.objects.for_org(m.organization).filter(respondent=m).exclude(comment="") \
        .update(comment="")


@eraser("kudos_sent")
def _erase_kudos_messages(m: Membership) -> int:
    return Kudos.objects.for_org(m.organization).filter(giver=m).update(message=ERASED)


@eraser("session_texts")
def _erase_cancel_reasons(m: Membership) -> int:
    return _sessions(m).exclude(cancel_reason="").update(cancel_reason="")


@eraser("own_rows")
def _delete_own_rows(m: Membership) -> int:
    """Rows that are only about them: availability, calendars (busy times cascade), feed, inbox."""
    org, deleted = m.organization, 0
    for model, field in ((WorkingWindow, "membership"), (FocusBlock, "membership"), (ExternalCalendar, "membership"),
                         (CalendarFeed, "membership"), (NudgePreference, "membership"), (Notification, "recipient"),
                         (Nudge, "recipient")):
        deleted += model.objects.for_org(org).filter(**{field: m}).delete()[0]
    return deleted


@eraser("mentions")
def _erase_mentions(m: Membership) -> int:
    """Other people's notifications that name them ("Your session with …")."""
    if not m.display_name:
        return 0
    touched = 0
    scoped = Notification.objects.for_org(m.organization)
    for note in scoped.filter(Q(title__contains=m.display_name) | Q(body__contains=m.display_name)):
        scoped.filter(pk=note.pk).update(title=note.title.replace(m.display_name, FORMER_MEMBER),
                                         body=note.body.replace(m.display_name, FORMER_MEMBER))
        touched += 1
    return touched
