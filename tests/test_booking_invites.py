"""The emails with .ics invites that booking, rescheduling and cancelling send."""

from __future__ import annotations

import smtplib
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from icalendar import Calendar

from sessions_app.models import AgendaTemplate, MentoringSession
from sessions_app.services.booking import session_book, session_cancel, session_reschedule

NOW = datetime(2027, 10, 1, 12, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def book(mentor, mentee, start, **kwargs):
    return session_book(actor=mentee, mentor=mentor, mentee=mentee, start=start, minutes=30, now=NOW, **kwargs)


def invite_of(message) -> tuple[str, Calendar]:
    """-> (the iTIP method of the .ics part's MIME type, the parsed calendar)."""
    part = next(p for p in message.message().walk() if p.get_content_type() == "text/calendar")
    return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))


def only_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def booked(mentor, mentee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session = book(mentor, mentee, datetime(2027, 10, 12, 10, 0, tzinfo=BERLIN))
    return session


def test_booking_emails_each_participant_once(booked, mentor, mentee):
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentor.email, mentee.email])


def test_invite_email_has_text_html_and_a_request_ics(booked):
    message = mail.outbox[0]
    mime_method, calendar = invite_of(message)

    assert "Touchpoint session" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert mime_method == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"


def test_invite_event_carries_uid_sequence_times_people_and_status(booked, mentor, mentee):
    event = only_event(invite_of(mail.outbox[0])[1])

    assert (event.uid, event.sequence, event["STATUS"]) == (f"{booked.id}@touchpoint", 0, "CONFIRMED")
    assert (event.start, event.end) == (datetime(2027, 10, 12, 8, 0, tzinfo=UTC),
                                        datetime(2027, 10, 12, 8, 30, tzinfo=UTC))
    assert "DTSTART:20271012T080000Z" in event.to_ical().decode()
    assert event["SUMMARY"] == "Touchpoint: Otto Mentor ↔ Mina Mentee"
    assert str(event["ORGANIZER"]) == "mailto:touchpoint@localhost"
    assert sorted(str(a) for a in event["ATTENDEE"]) == sorted([f"mailto:{mentor.email}", f"mailto:{mentee.email}"])
    assert event.get("DTSTAMP") is not None


def test_invite_description_has_the_agenda_prompts_and_a_link(org_a, mentor, mentee,
                                                              django_capture_on_commit_callbacks):
    agenda = AgendaTemplate.unscoped.create(organization=org_a, outcome_type="code_review", name="Code review",
                                            prompts="What changed?\n\nWhere are you unsure?")
    with django_capture_on_commit_callbacks(execute=True):
        book(mentor, mentee, datetime(2027, 10, 12, 10, 0, tzinfo=BERLIN), agenda=agenda)

    description = only_event(invite_of(mail.outbox[0])[1])["DESCRIPTION"]

    assert description == ("Agenda:\n- What changed?\n- Where are you unsure?\n\n"
                           "Open in Touchpoint: http://127.0.0.1:8000/o/acme/")


def test_email_shows_the_time_in_the_recipients_own_zone(mentor, mentee, django_capture_on_commit_callbacks):
    mentee.time_zone = "America/New_York"
    mentee.save()
    with django_capture_on_commit_callbacks(execute=True):
        book(mentor, mentee, datetime(2027, 10, 12, 16, 0, tzinfo=BERLIN))

    bodies = {m.to[0]: m.body for m in mail.outbox}

    assert "Tue 12 Oct, 16:00–16:30 (Europe/Berlin)" in bodies[mentor.email]
    assert "Tue 12 Oct, 10:00–10:30 (America/New_York)" in bodies[mentee.email]


def test_reschedule_keeps_the_uid_and_bumps_the_sequence(booked, mentee, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session_reschedule(actor=mentee, session=booked, start=datetime(2027, 10, 13, 9, 0, tzinfo=BERLIN), now=NOW)

    calendar = invite_of(mail.outbox[0])[1]
    event = only_event(calendar)

    assert (calendar["METHOD"], event.uid, event.sequence) == ("REQUEST", f"{booked.id}@touchpoint", 1)
    assert event.start == datetime(2027, 10, 13, 7, 0, tzinfo=UTC)
    assert "has moved" in mail.outbox[0].body


def test_cancel_sends_a_cancel_with_status_cancelled(booked, mentor, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=mentor, session=booked, reason="Off sick")

    mime_method, calendar = invite_of(mail.outbox[0])
    event = only_event(calendar)

    assert len(mail.outbox) == 2
    assert mime_method == "CANCEL"
    assert (calendar["METHOD"], event["STATUS"], event.uid, event.sequence) == (
        "CANCEL", "CANCELLED", f"{booked.id}@touchpoint", 1)
    assert "Reason: Off sick" in mail.outbox[0].body


@pytest.mark.parametrize(("day", "utc_hour"), [(30, 8), (31, 9), (1, 9)])
def test_invite_instants_are_right_across_the_october_dst_change(mentor, mentee, django_capture_on_commit_callbacks,
                                                                 day, utc_hour):
    # Berlin leaves summer time on Sunday 31 Oct 2027: 10:00 local is 08:00Z before, 09:00Z after.
    start = datetime(2027, 10 if day > 1 else 11, day, 10, 0, tzinfo=BERLIN)
    with django_capture_on_commit_callbacks(execute=True):
        book(mentor, mentee, start)

    event = only_event(invite_of(mail.outbox[0])[1])

    assert event.start == datetime(start.year, start.month, day, utc_hour, 0, tzinfo=UTC)


def test_a_refused_booking_sends_nothing(booked, mentor, mentee, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):
        book(mentor, mentee, booked.start)

    assert mail.outbox == []


def test_a_mail_failure_is_logged_and_the_booking_stands(mentor, mentee, settings, caplog,
                                                          django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_booking_invites.BrokenMailServer"
    with django_capture_on_commit_callbacks(execute=True):
        session = book(mentor, mentee, datetime(2027, 10, 12, 10, 0, tzinfo=BERLIN))

    assert MentoringSession.objects.for_org(session.organization).filter(pk=session.pk).exists()
    assert "Could not send the REQUEST invite" in caplog.text
