"""sessions_app.ical: pure rendering of invites and feeds (no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from sessions_app import ical

UTC = timezone.utc
STAMP = datetime(2027, 10, 1, 12, 0, tzinfo=UTC)
MENTOR = ical.Person("otto@example.test", "Otto Mentor")
MENTEE = ical.Person("mina@example.test", "Mina Mentee")
ORGANIZER = ical.Person("touchpoint@example.test", "Touchpoint")


def event(start: datetime, minutes: int = 30, **kwargs) -> ical.SessionEvent:
    return ical.SessionEvent(uid="s1@touchpoint", sequence=kwargs.pop("sequence", 0), start=start,
                             end=start + timedelta(minutes=minutes), mentor=MENTOR, mentee=MENTEE, **kwargs)


def parse_event(body: bytes):
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    return vevent


def test_invite_is_an_itip_request_with_one_event():
    body = ical.render_invite(event(datetime(2027, 10, 12, 10, tzinfo=ZoneInfo("Europe/Berlin"))),
                              method="REQUEST", organizer=ORGANIZER, stamp=STAMP)

    calendar = Calendar.from_ical(body)

    assert (calendar["METHOD"], calendar["VERSION"], len(calendar.walk("VEVENT"))) == ("REQUEST", "2.0", 1)


def test_cancel_invite_marks_the_event_cancelled():
    body = ical.render_invite(event(datetime(2027, 10, 12, 8, tzinfo=UTC), cancelled=True, sequence=2),
                              method="CANCEL", organizer=ORGANIZER, stamp=STAMP)

    vevent = parse_event(body)

    assert (Calendar.from_ical(body)["METHOD"], vevent["STATUS"], vevent.sequence) == ("CANCEL", "CANCELLED", 2)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        ical.render_invite(event(datetime(2027, 10, 12, 8, tzinfo=UTC)), method="PUBLISH", organizer=ORGANIZER,
                           stamp=STAMP)


def test_naive_times_are_refused_rather_than_guessed():
    with pytest.raises(ValueError):
        ical.render_invite(event(datetime(2027, 10, 12, 8)), method="REQUEST", organizer=ORGANIZER, stamp=STAMP)


@pytest.mark.parametrize(("day", "utc"), [
    (date(2027, 10, 30), "20271030T080000Z"),  # Saturday, still summer time (CEST, UTC+2)
    (date(2027, 11, 1), "20271101T090000Z"),   # Monday after the change (CET, UTC+1)
])
def test_ten_oclock_in_berlin_is_written_in_utc_across_the_dst_change(day, utc):
    start = datetime.combine(day, datetime.min.time().replace(hour=10), tzinfo=ZoneInfo("Europe/Berlin"))

    body = ical.render_invite(event(start), method="REQUEST", organizer=ORGANIZER, stamp=STAMP).decode()

    assert f"DTSTART:{utc}\r\n" in body


def test_description_lists_prompts_and_the_link():
    item = event(datetime(2027, 10, 12, 8, tzinfo=UTC), prompts=("What changed?", "What next?"),
                 url="https://tp.example/o/acme/")

    assert parse_event(ical.render_invite(item, method="REQUEST", organizer=ORGANIZER, stamp=STAMP))[
        "DESCRIPTION"] == "Agenda:\n- What changed?\n- What next?\n\nOpen in Touchpoint: https://tp.example/o/acme/"


def test_feed_has_events_without_method_or_organizer_and_todos_due_on_a_date():
    feed = ical.Feed(uid="feed-1@touchpoint", name="Touchpoint — Mina",
                     events=[event(datetime(2027, 10, 12, 8, tzinfo=UTC))],
                     todos=[ical.NextStepTodo(uid="next-step-1@touchpoint", sequence=3, title="Send the draft",
                                              due=date(2027, 10, 19))])

    calendar = Calendar.from_ical(ical.render_feed(feed, stamp=STAMP))
    (vtodo,) = calendar.walk("VTODO")

    assert "METHOD" not in calendar and "ORGANIZER" not in calendar.walk("VEVENT")[0]
    assert (vtodo.uid, vtodo.sequence, vtodo["SUMMARY"], vtodo["STATUS"]) == (
        "next-step-1@touchpoint", 3, "Send the draft", "NEEDS-ACTION")
    assert vtodo.decoded("DUE") == date(2027, 10, 19)
    assert "DUE;VALUE=DATE:20271019" in vtodo.to_ical().decode()


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@given(zone=st.sampled_from(ZONES),
       local=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
       fold=st.sampled_from([0, 1]))
def test_any_local_instant_round_trips_to_the_same_utc_instant(zone, local, fold):
    start = local.replace(second=0, microsecond=0, tzinfo=ZoneInfo(zone), fold=fold)

    parsed = parse_event(ical.render_invite(event(start), method="REQUEST", organizer=ORGANIZER, stamp=STAMP))

    assert parsed.start == start.astimezone(UTC)
    assert parsed.end - parsed.start == timedelta(minutes=30)
