"""Org-A session-loop and booking rows for the cross-tenant matrix (tests/test_tenancy_coverage.py):
a logged session with a note, a next step, a survey answer and kudos; an agenda template; the mentee's
working window, focus block, uploaded calendar (with busy times) and calendar feed; a future booked session."""

from datetime import time, timedelta
from types import SimpleNamespace

from django.utils import timezone

from sessions_app.models import BusyTime
from sessions_app.services import availability, calendars, logging
from sessions_app.services.booking import calendar_feed_for
from tests.factories_sessions import (AgendaTemplateFactory, KudosFactory, MentoringSessionFactory, NextStepFactory,
                                      SurveyResponseFactory)


def _weekly_ics(first) -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:acme@test\r\n"
            f"DTSTAMP:20250101T000000Z\r\nDTSTART:{first:%Y%m%dT%H%M%SZ}\r\nDURATION:PT30M\r\n"
            f"RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def sessions_world(mentor, mentee) -> SimpleNamespace:
    org = mentee.organization
    session = MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee, logged=True)
    logging.session_note_update(actor=mentee, session=session, text="Acmenote: try smaller pull requests")
    step = NextStepFactory(session=session, title="Acmestep: split the parser change")
    SurveyResponseFactory(session=session, respondent=mentor, comment="Acmesurvey was useful")
    KudosFactory(organization=org, giver=mentee, receiver=mentor, session=session, message="Acmekudos for the review")
    agenda = AgendaTemplateFactory(organization=org, name="Acmeagenda review")

    availability.availability_set_working_windows(actor=mentee, windows=[(0, time(9), time(17))])
    block = availability.focus_block_add(actor=mentee, weekday=2, start=time(9), end=time(11), label="Acmefocus")
    tomorrow = (timezone.now() + timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
    calendar = calendars.calendar_upload(actor=mentee, name="Acmecal work", content=_weekly_ics(tomorrow))
    assert BusyTime.objects.for_org(org).filter(calendar=calendar).exists()
    feed = calendar_feed_for(mentee)
    # Booked in the future, so it can still be moved or cancelled.
    start = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booked = MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee, start=start)

    return SimpleNamespace(
        session=session, step=step, agenda=agenda, block=block, calendar=calendar, feed=feed, booked=booked,
        markers=("Acmenote", "Acmestep", "Acmesurvey", "Acmekudos", "Acmeagenda", "Acmefocus", "Acmecal",
                 "Otto Mentor", feed.secret, str(session.pk), str(booked.pk), str(step.pk), str(agenda.pk),
                 str(block.pk), str(calendar.pk)))
