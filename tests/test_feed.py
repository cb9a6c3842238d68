"""/calendar/<secret>.ics and ``manage.py calendar_url``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from io import StringIO
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone as dj_timezone
from icalendar import Calendar

from sessions_app.models import NextStep, SessionNote
from sessions_app.services.booking import (calendar_feed_for, calendar_feed_rotate, calendar_feed_url,
                                           session_book, session_cancel)
from tests.factories import MembershipFactory, OrganizationFactory

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


def monday(weeks_ahead: int, hour: int = 10) -> datetime:
    """10:00 Berlin on the Monday ``weeks_ahead`` weeks after this one."""
    today = dj_timezone.now().astimezone(BERLIN).date()
    day = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


def book(mentor, mentee, start, **kwargs):
    # The clock is set just before the start, so past sessions can exist too.
    return session_book(actor=mentee, mentor=mentor, mentee=mentee, start=start, minutes=30,
                        now=start - timedelta(days=1), **kwargs)


def next_step(session, owner, title="Send the draft", due=None, done=False):
    return NextStep.unscoped.create(organization=session.organization, session=session, owner=owner, title=title,
                                    due_date=due or session.start.date() + timedelta(days=7),
                                    done_at=dj_timezone.now() if done else None)


def path_of(membership) -> str:
    return urlparse(calendar_feed_url(calendar_feed_for(membership))).path


def fetch(client, membership) -> Calendar:
    response = client.get(path_of(membership))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def uids(calendar: Calendar, kind: str = "VEVENT") -> set[str]:
    return {str(item.uid) for item in calendar.walk(kind)}


# --- Content -------------------------------------------------------------------------

def test_feed_is_public_calendar_text_with_private_caching(client, mentor, mentee):
    book(mentor, mentee, monday(1))

    response = client.get(path_of(mentee))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"


def test_feed_has_the_members_sessions_in_both_roles(client, org_a, mentor, mentee):
    mentee.is_mentor = True
    mentee.save()
    their_mentee = MembershipFactory(organization=org_a, is_mentee=True, display_name="Nia Newcomer")
    as_mentee = book(mentor, mentee, monday(1))
    as_mentor = session_book(actor=mentee, mentor=mentee, mentee=their_mentee, start=monday(1, hour=14),
                             minutes=15)
    someone_elses = book(mentor, their_mentee, monday(2))

    calendar = fetch(client, mentee)

    assert uids(calendar) == {f"{as_mentee.id}@touchpoint", f"{as_mentor.id}@touchpoint"}
    assert f"{someone_elses.id}@touchpoint" not in uids(calendar)


def test_feed_keeps_30_days_of_history(client, mentor, mentee):
    recent = book(mentor, mentee, monday(-2))
    old = book(mentor, mentee, monday(-6))

    assert uids(fetch(client, mentee)) == {f"{recent.id}@touchpoint"}
    assert old.start < dj_timezone.now() - timedelta(days=30)


def test_cancelled_session_appears_cancelled_with_a_bumped_sequence(client, mentor, mentee):
    session = book(mentor, mentee, monday(1))
    session_cancel(actor=mentor, session=session)

    (event,) = fetch(client, mentee).walk("VEVENT")

    assert (event.uid, event["STATUS"], event.sequence) == (f"{session.id}@touchpoint", "CANCELLED", 1)


def test_open_next_steps_are_todos_due_on_their_date(client, mentor, mentee):
    session = book(mentor, mentee, monday(-1))
    step = next_step(session, mentee, title="Write the ADR", due=date(2030, 5, 17))
    next_step(session, mentee, title="Already done", done=True)
    next_step(session, mentor, title="The mentor's own step")

    (todo,) = fetch(client, mentee).walk("VTODO")

    assert (todo.uid, todo["SUMMARY"], todo["STATUS"], todo.sequence) == (
        f"next-step-{step.id}@touchpoint", "Write the ADR", "NEEDS-ACTION", 0)
    assert todo.decoded("DUE") == date(2030, 5, 17)
    assert "DUE;VALUE=DATE:20300517" in todo.to_ical().decode()


def test_notes_are_never_in_the_feed(client, mentor, mentee):
    session = book(mentor, mentee, monday(-1))
    SessionNote.unscoped.create(organization=session.organization, session=session,
                                text="Private: considering leaving the team")
    next_step(session, mentee)

    response = client.get(path_of(mentee))

    assert b"considering leaving" not in response.content


def test_feed_instants_are_right_across_the_october_dst_change(client, mentor, mentee):
    change = _next_autumn_change_in_berlin()
    before = book(mentor, mentee, datetime.combine(change - timedelta(days=1), time(10), tzinfo=BERLIN))
    after = book(mentor, mentee, datetime.combine(change + timedelta(days=1), time(10), tzinfo=BERLIN))

    starts = {str(e.uid): e.start for e in fetch(client, mentee).walk("VEVENT")}

    assert starts[f"{before.id}@touchpoint"] == datetime.combine(change - timedelta(days=1), time(8), tzinfo=UTC)
    assert starts[f"{after.id}@touchpoint"] == datetime.combine(change + timedelta(days=1), time(9), tzinfo=UTC)


def _next_autumn_change_in_berlin() -> date:
    """The last Sunday of October still ahead (Berlin leaves summer time)."""
    today = dj_timezone.now().date()
    for year in (today.year, today.year + 1):
        day = date(year, 10, 31)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day > today + timedelta(days=2):
            return day
    raise AssertionError("unreachable")


# --- Access -------------------------------------------------------------------------------

def test_unknown_secret_is_404_even_when_signed_in(client_for, outsider, mentee):
    calendar_feed_for(mentee)

    assert client_for(outsider).get("/calendar/not-a-real-secret.ics").status_code == 404


def test_rotating_the_secret_makes_the_old_url_404(client, mentor, mentee):
    old_path = path_of(mentee)

    calendar_feed_rotate(actor=mentee)

    assert client.get(old_path).status_code == 404
    assert client.get(path_of(mentee)).status_code == 200
    assert path_of(mentee) != old_path


def test_a_deactivated_members_feed_is_404(client, mentee):
    feed_path = path_of(mentee)
    mentee.is_active = False
    mentee.save()

    assert client.get(feed_path).status_code == 404


def test_feed_url_is_stable_until_rotated(mentee):
    assert calendar_feed_url(calendar_feed_for(mentee)) == calendar_feed_url(calendar_feed_for(mentee))


# --- Query count -------------------------------------------------------------------------

def _queries_for_feed(client, membership) -> int:
    feed_path = path_of(membership)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(feed_path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [1, 20])
def test_feed_query_count_does_not_grow_with_rows(client, org_a, mentee, rows):
    mentors = [MembershipFactory(organization=org_a, is_mentor=True) for _ in range(rows)]
    for week, mentor in enumerate(mentors, start=1):
        next_step(book(mentor, mentee, monday(week)), mentee)

    # Feed, sessions (with both people and the agenda), next steps (with their session's people).
    assert _queries_for_feed(client, mentee) == 3


# --- manage.py calendar_url ------------------------------------------------------------------

def run_command(*args) -> str:
    out = StringIO()
    call_command("calendar_url", *args, stdout=out)
    return out.getvalue()


def test_calendar_url_prints_the_feed_url_as_the_last_word(client, mentee):
    url = run_command("MENTEE@acme.test").split()[-1]

    assert url.startswith("http://127.0.0.1:8000/calendar/") and url.endswith(".ics")
    assert client.get(urlparse(url).path).status_code == 200


def test_calendar_url_is_the_same_on_a_second_run(mentee):
    assert run_command(mentee.email).split()[-1] == run_command(mentee.email).split()[-1]


def test_calendar_url_for_an_unknown_email_fails_clearly(db):
    with pytest.raises(CommandError, match="No active member with the email nobody@acme.test"):
        run_command("nobody@acme.test")


def test_calendar_url_needs_org_for_a_member_of_several_orgs(mentee):
    other_org = OrganizationFactory(slug="initech", name="Initech")
    MembershipFactory(organization=other_org, user=mentee.user, email=mentee.email, is_mentee=True)

    with pytest.raises(CommandError, match=r"several organisations \(acme, initech\); pass --org SLUG"):
        run_command(mentee.email)


def test_calendar_url_with_org_picks_that_membership(mentee):
    other_org = OrganizationFactory(slug="initech", name="Initech")
    elsewhere = MembershipFactory(organization=other_org, user=mentee.user, email=mentee.email, is_mentee=True)

    url = run_command(mentee.email, "--org", "initech").split()[-1]

    assert url == calendar_feed_url(calendar_feed_for(elsewhere))
