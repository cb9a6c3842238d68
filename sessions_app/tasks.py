"""Celery tasks of the micro-session loop: thin, idempotent, calling services.

Beat entry (mentoring/settings/base.py, CELERY_BEAT_SCHEDULE):
    "sync-external-calendars": {"task": "sessions_app.tasks.sync_due_calendars", "schedule": 15 * 60.0},
"""

from __future__ import annotations

from celery import shared_task

from mentoring.outbox import enqueue_on_commit

from .models import ExternalCalendar
from .services.calendars import calendar_sync, calendars_due_for_sync


@shared_task(name="sessions_app.tasks.sync_calendar", ignore_result=True)
def sync_calendar(calendar_id: str) -> str:
    """Fetch one URL calendar and replace its busy times; a repeat run just
    replaces them again. The id came from our own code, hence ``unscoped``:
    the calendar row itself names its organisation."""
    calendar = ExternalCalendar.unscoped.select_related("organization", "membership") \
        .filter(pk=calendar_id).exclude(url="").first()
    if calendar is None:
        return "gone"
    calendar = calendar_sync(calendar=calendar)
    return calendar.last_error or f"{calendar.busy_count} busy times"


@shared_task(name="sessions_app.tasks.sync_due_calendars", ignore_result=True)
def sync_due_calendars() -> int:
    """The beat sweep: one task per calendar due, so a slow server delays only its own."""
    due = calendars_due_for_sync()
    for calendar_id in due:
        enqueue_on_commit(sync_calendar, str(calendar_id))
    return len(due)


# Registered here so that the worker (which autodiscovers tasks.py modules) knows them.
from .tasks_nudges import deliver_due_nudges, deliver_nudge, sweep_nudges, sweep_org_nudges  # noqa: E402,F401
