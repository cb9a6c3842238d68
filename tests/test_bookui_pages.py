"""Booking pages: who may open them, ranked slots in the viewer's zone, booking
from a slot (and exactly why a booking is refused), rescheduling, cancelling,
and flat query counts as busy rows grow."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from sessions_app.models import BusyTime, ExternalCalendar, MentoringSession
from sessions_app.selectors.availability import slot_suggestions, slot_suggestions_for_move
from sessions_app.services.booking import session_book
from sessions_app.weeks import week_label
from tests.factories import MembershipFactory

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def next_monday() -> date:
    """A Monday 1–7 days ahead (Berlin): its week lies inside the 14-day horizon."""
    day = timezone.now().astimezone(BERLIN).date() + timedelta(days=7)
    return day - timedelta(days=day.weekday())


def at(day: date, hour: int, minute: int = 0, tz=BERLIN) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def book(actor, mentor, mentee, start, minutes=30):
    return session_book(actor=actor, mentor=mentor, mentee=mentee, start=start, minutes=minutes)


def url(name: str, *parts) -> str:
    return "/o/acme/" + {"book": "book/", "availability": "availability/"}.get(name, name) + "".join(parts)


@pytest.fixture
def mentee_2(org_a):
    return MembershipFactory(organization=org_a, is_mentee=True, display_name="Nia Second")


def book_post(mentor, mentee, start, minutes=30):
    return {"mentor": str(mentor.pk), "mentee": str(mentee.pk), "minutes": str(minutes), "agenda": "",
            "start": start.astimezone(ZoneInfo("UTC")).isoformat()}


# --- Who may open what -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["manager", "mentor", "mentee", "hr"])
def test_every_member_opens_their_own_availability_page(role, request, client_for):
    member = request.getfixturevalue(role)

    response = client_for(member).get(url("availability"))

    assert response.status_code == 200
    assert "Working hours" in response.text
    assert "/calendar/" in response.text  # their feed address


@pytest.mark.parametrize("role", ["manager", "mentor", "mentee"])
def test_managers_mentors_and_mentees_open_the_book_page(role, request, client_for):
    assert client_for(request.getfixturevalue(role)).get(url("book")).status_code == 200


def test_hr_viewer_cannot_book(hr, client_for):
    assert client_for(hr).get(url("book")).status_code == 403


@pytest.mark.parametrize("page", ["availability", "book"])
def test_outsider_gets_404_for_booking_pages(page, outsider, client_for):
    assert client_for(outsider).get(url(page)).status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, org_a):
    response = client.get(url("book"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Slot suggestions ---------------------------------------------------------------------------

def test_mentee_sees_ranked_slots_in_their_own_zone_with_reasons(mentor, mentee, client_for):
    mentor.time_zone = "America/New_York"
    mentor.save()

    response = client_for(mentee).get(url("book"), {"mentor": mentor.pk, "minutes": 30})

    expected = slot_suggestions(org=mentee.organization, mentor=mentor, mentee=mentee, minutes=30, viewer=mentee)
    first = expected[0].start_utc.astimezone(BERLIN)
    assert response.status_code == 200
    assert "Times in your zone, <strong>Europe/Berlin</strong>" in response.text
    assert f"{first:%a} {first.day} {first:%b}, {first:%H:%M}" in response.text
    assert escape(expected[0].reason[0].upper() + expected[0].reason[1:]) in response.text
    assert "America/New_York" in response.text  # the other person's clock, for a cross-zone pair


def test_htmx_request_gets_only_the_slot_list(mentor, mentee, client_for):
    response = client_for(mentee).get(url("book"), {"mentor": mentor.pk, "minutes": 30}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Suggested times with Otto Mentor" in response.text


def test_lengths_offered_follow_org_policy(org_a, mentee, client_for):
    org_a.session_max_minutes = 20
    org_a.save()

    response = client_for(mentee).get(url("book"))

    assert re.findall(r'<option value="(\d+)"[^>]*>\d+ minutes', response.text) == ["15", "20"]


def test_default_agendas_are_offered_before_any_manager_opened_the_agenda_page(mentee, client_for):
    response = client_for(mentee).get(url("book"))

    assert ">Code review</option>" in response.text
    assert ">Open session</option>" in response.text


def test_a_mentee_only_picks_among_mentors(mentor, mentee, mentee_2, client_for):
    response = client_for(mentee).get(url("book"))

    assert "Otto Mentor" in response.text
    assert "Nia Second" not in response.text
    assert "<strong>Mentee:</strong> you (Mina Mentee)" in response.text


def test_slot_page_query_count_stays_flat_as_busy_rows_grow(mentor, mentee, client_for):
    client = client_for(mentee)
    params = {"mentor": mentor.pk, "minutes": 30}
    client.get(url("book"), params)  # warm up: session, feed rows and caches

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("book"), params).status_code == 200
        return len(captured)

    few = queries()
    org = mentee.organization
    calendar = ExternalCalendar.objects.for_org(org).create(organization=org, membership=mentor, name="Work")
    monday = next_monday()
    BusyTime.objects.for_org(org).bulk_create(
        BusyTime(organization=org, calendar=calendar, membership=mentor, start=at(monday + timedelta(days=d), h),
                 end=at(monday + timedelta(days=d), h, 20)) for d in range(5) for h in (9, 11, 14, 16))
    book(mentee, mentor, mentee, at(monday, 10))

    assert queries() == few


# --- Booking --------------------------------------------------------------------------------------

def test_mentee_books_a_suggested_slot_and_lands_on_the_session_list_with_a_message(mentor, mentee, client_for):
    client = client_for(mentee)
    slot = slot_suggestions(org=mentee.organization, mentor=mentor, mentee=mentee, minutes=30)[0]

    response = client.post(url("book"), book_post(mentor, mentee, slot.start_utc), follow=True)

    session = MentoringSession.objects.for_org(mentee.organization).get()
    assert (session.mentor, session.mentee, session.start, session.minutes) == (mentor, mentee, slot.start_utc, 30)
    assert response.redirect_chain[0][1] == 302
    assert "Booked: 30 minutes with Otto Mentor" in response.text


def test_booking_over_another_session_shows_exactly_why(mentor, mentee, mentee_2, client_for):
    monday = next_monday()
    book(mentee_2, mentor, mentee_2, at(monday, 10))

    response = client_for(mentee).post(url("book"), book_post(mentor, mentee, at(monday, 10, 15)))

    expected = f"Otto Mentor already has a session then: {monday:%a} {monday.day} {monday:%b}, 10:00–10:30 " \
               f"(Europe/Berlin)."
    assert response.status_code == 400
    assert f"<strong>Not booked:</strong> {expected}" in response.text
    assert MentoringSession.objects.for_org(mentee.organization).count() == 1


def test_booking_past_the_mentees_weekly_cap_says_so(org_a, mentor, mentee, client_for):
    monday = next_monday()
    other = MembershipFactory(organization=org_a, is_mentor=True, display_name="Tara Second")
    book(mentee, mentor, mentee, at(monday, 10))
    book(mentee, other, mentee, at(monday + timedelta(days=1), 10))

    response = client_for(mentee).post(url("book"), book_post(mentor, mentee, at(monday + timedelta(days=2), 10)))

    assert response.status_code == 400
    label = week_label(at(monday, 12), "Europe/Berlin")
    assert f"Mina Mentee already has 2 sessions in the week of {label}." in response.text


def test_a_member_cannot_book_for_a_pair_they_are_not_in(mentor, mentee, mentee_2, client_for):
    response = client_for(mentee).post(url("book"), book_post(mentor, mentee_2, at(next_monday(), 10)))

    assert response.status_code == 400
    assert MentoringSession.objects.for_org(mentee.organization).count() == 0


def test_a_mentor_of_another_org_cannot_be_booked(mentee, outsider, client_for):
    outsider.is_mentor = True
    outsider.save()

    response = client_for(mentee).post(url("book"), book_post(outsider, mentee, at(next_monday(), 10)))

    assert response.status_code == 400
    assert MentoringSession.objects.for_org(mentee.organization).count() == 0


def test_manager_books_for_any_pair(manager, mentor, mentee, client_for):
    response = client_for(manager).post(url("book"), book_post(mentor, mentee, at(next_monday(), 10)))

    assert response.status_code == 302
    assert MentoringSession.objects.for_org(mentee.organization).get().booked_by == manager


# --- Reschedule and cancel ---------------------------------------------------------------------------

@pytest.fixture
def session(mentor, mentee):
    return book(mentee, mentor, mentee, at(next_monday(), 10))


@pytest.mark.parametrize("role", ["manager", "mentor", "mentee"])
def test_participants_and_managers_open_reschedule_and_cancel(role, request, session, client_for):
    client = client_for(request.getfixturevalue(role))

    assert client.get(f"/o/acme/sessions/{session.pk}/reschedule/").status_code == 200
    assert client.get(f"/o/acme/sessions/{session.pk}/cancel/").status_code == 200


@pytest.mark.parametrize("action", ["reschedule", "cancel"])
@pytest.mark.parametrize("who", ["mentee_2", "hr", "outsider"])
def test_anyone_else_gets_404_for_a_session(action, who, request, session, client_for):
    client = client_for(request.getfixturevalue(who))

    assert client.get(f"/o/acme/sessions/{session.pk}/{action}/").status_code == 404
    assert client.post(f"/o/acme/sessions/{session.pk}/{action}/", {}).status_code == 404


def test_rescheduling_moves_the_session_and_bumps_its_sequence(session, mentee, client_for):
    new_start = at(next_monday() + timedelta(days=1), 14)

    response = client_for(mentee).post(f"/o/acme/sessions/{session.pk}/reschedule/",
                                       {"start": new_start.isoformat()})

    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.start, session.sequence) == (new_start, 1)


def test_reschedule_page_offers_other_times(session, mentee, client_for):
    response = client_for(mentee).get(f"/o/acme/sessions/{session.pk}/reschedule/")

    assert response.text.count(">Move here<") == 20


def test_times_to_move_to_include_a_week_already_at_the_cap(org_a, mentor, mentee):
    now = datetime(2026, 12, 1, 11, 0, tzinfo=ZoneInfo("UTC"))  # Tue 1 Dec; the week of 30 Nov
    other = MembershipFactory(organization=org_a, is_mentor=True, display_name="Tara Second")
    moving = session_book(actor=mentee, mentor=mentor, mentee=mentee, start=at(date(2026, 12, 2), 10), minutes=30,
                          now=now)
    session_book(actor=mentee, mentor=other, mentee=mentee, start=at(date(2026, 12, 3), 10), minutes=30, now=now)
    week_end = at(date(2026, 12, 7), 0)

    for_new = slot_suggestions(org=org_a, mentor=mentor, mentee=mentee, minutes=30, now=now, limit=None)
    for_move = slot_suggestions_for_move(session=moving, minutes=30, now=now, limit=None)

    assert not [slot for slot in for_new if slot.start_utc < week_end]
    assert [slot for slot in for_move if slot.start_utc < week_end]
    assert moving.start in {slot.start_utc for slot in for_move}  # its own time does not block it


def test_reschedule_refused_shows_the_service_message(session, mentor, mentee, mentee_2, client_for):
    monday = next_monday()
    book(mentee_2, mentor, mentee_2, at(monday, 14))

    response = client_for(mentee).post(f"/o/acme/sessions/{session.pk}/reschedule/",
                                       {"start": at(monday, 14).isoformat()})

    assert response.status_code == 400
    assert "Otto Mentor already has a session then" in response.text


def test_cancelling_asks_first_then_cancels_with_the_reason(session, mentor, client_for):
    client = client_for(mentor)

    page = client.get(f"/o/acme/sessions/{session.pk}/cancel/")
    response = client.post(f"/o/acme/sessions/{session.pk}/cancel/", {"reason": "Sick today"})

    session.refresh_from_db()
    assert "Cancel this session?" in page.text
    assert response.status_code == 302
    assert (session.status, session.cancel_reason, session.sequence) == ("cancelled", "Sick today", 1)


def test_cancelling_twice_says_it_is_already_cancelled(session, mentor, client_for):
    client = client_for(mentor)
    client.post(f"/o/acme/sessions/{session.pk}/cancel/", {})

    response = client.post(f"/o/acme/sessions/{session.pk}/cancel/", {})

    assert response.status_code == 409
    assert "This session is cancelled; it cannot be cancelled." in response.text


def test_manager_sees_slots_for_a_pair_named_by_both(manager, mentor, mentee, client_for):
    response = client_for(manager).get(url("book"), {"mentor": mentor.pk, "mentee": mentee.pk, "minutes": 30})

    assert "Suggested times for Otto Mentor and Mina Mentee" in response.text
    assert response.text.count(">Book<span") == 20
