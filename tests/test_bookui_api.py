"""The booking API: slots, book (201/400/409), reschedule, cancel, the
caller's availability and external calendars — ids looked up inside the org."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import AgendaTemplate, BusyTime, ExternalCalendar, MentoringSession
from sessions_app.services.booking import session_book
from sessions_app.weeks import week_label
from tests.factories import MembershipFactory

BERLIN = ZoneInfo("Europe/Berlin")
API = "/api/v1/orgs/acme/"


def next_monday() -> date:
    day = timezone.now().astimezone(BERLIN).date() + timedelta(days=7)
    return day - timedelta(days=day.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def book(actor, mentor, mentee, start, minutes=30):
    return session_book(actor=actor, mentor=mentor, mentee=mentee, start=start, minutes=minutes)


@pytest.fixture
def mentee_2(org_a):
    return MembershipFactory(organization=org_a, is_mentee=True, display_name="Nia Second")


# --- Slots ---------------------------------------------------------------------------------------

def test_slots_lists_ranked_times_in_the_callers_zone(mentor, mentee, api_for):
    response = api_for(mentee).get(API + "slots/", {"mentor": mentor.pk, "mentee": mentee.pk, "minutes": 30})

    body = response.json()
    assert response.status_code == 200
    assert (body["minutes"], body["time_zone"], body["mentor"]["display_name"]) == (30, "Europe/Berlin",
                                                                                   "Otto Mentor")
    assert len(body["slots"]) == 20
    first = datetime.fromisoformat(body["slots"][0]["start"])
    assert first.utcoffset() == first.astimezone(BERLIN).utcoffset()
    assert body["slots"][0]["reason"]


@pytest.mark.parametrize("field", ["mentor", "mentee"])
def test_slots_with_an_unknown_id_is_a_field_error(field, mentor, mentee, api_for):
    params = {"mentor": mentor.pk, "mentee": mentee.pk, field: "7c9e6679-7425-40de-944b-e07fc1f90ae7"}

    response = api_for(mentee).get(API + "slots/", params)

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [f"No such {field} in this organisation."]}


def test_slots_with_a_person_of_another_org_is_a_field_error(mentee, outsider, api_for):
    response = api_for(mentee).get(API + "slots/", {"mentor": outsider.pk, "mentee": mentee.pk})

    assert response.status_code == 400
    assert "mentor" in response.json()["errors"]


def test_slots_of_a_pair_the_caller_is_not_in_are_forbidden(mentor, mentee, mentee_2, api_for):
    response = api_for(mentee_2).get(API + "slots/", {"mentor": mentor.pk, "mentee": mentee.pk})

    assert response.status_code == 403


def test_slots_for_an_outsider_are_404(mentor, mentee, outsider, api_for):
    assert api_for(outsider).get(API + "slots/", {"mentor": mentor.pk, "mentee": mentee.pk}).status_code == 404


def test_slots_outside_policy_length_is_a_field_error(org_a, mentor, mentee, api_for):
    org_a.session_max_minutes = 20
    org_a.save()

    response = api_for(mentee).get(API + "slots/", {"mentor": mentor.pk, "mentee": mentee.pk, "minutes": 30})

    assert response.status_code == 400
    assert response.json()["errors"] == {"minutes": ["Sessions in Acme last 15–20 minutes."]}


def test_slots_query_count_stays_flat_as_busy_rows_grow(mentor, mentee, api_for):
    api = api_for(mentee)
    params = {"mentor": mentor.pk, "mentee": mentee.pk}
    api.get(API + "slots/", params)  # warm up: the token's first-use stamp

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(API + "slots/", params).status_code == 200
        return len(captured)

    few = queries()
    org = mentor.organization
    calendar = ExternalCalendar.objects.for_org(org).create(organization=org, membership=mentor, name="Work")
    monday = next_monday()
    BusyTime.objects.for_org(org).bulk_create(
        BusyTime(organization=org, calendar=calendar, membership=person, start=at(monday + timedelta(days=d), h),
                 end=at(monday + timedelta(days=d), h, 20))
        for person in (mentor, mentee) for d in range(5) for h in (9, 11, 14, 16))
    book(mentee, mentor, mentee, at(monday, 10))

    assert queries() == few


# --- Book, reschedule, cancel ------------------------------------------------------------------------

def book_body(mentor, mentee, start, minutes=30, **extra):
    return {"mentor": str(mentor.pk), "mentee": str(mentee.pk), "start": start.isoformat(), "minutes": minutes,
            **extra}


def test_booking_returns_201_with_the_session(mentor, mentee, api_for):
    start = at(next_monday(), 10)

    response = api_for(mentee).post(API + "sessions/book/", book_body(mentor, mentee, start), format="json")

    body = response.json()
    session = MentoringSession.objects.for_org(mentee.organization).get()
    assert response.status_code == 201
    assert (body["id"], body["minutes"], body["status"], body["sequence"]) == (str(session.pk), 30, "booked", 0)
    assert datetime.fromisoformat(body["start"]) == start
    assert body["mentor"]["id"] == str(mentor.pk)


def test_booking_with_an_agenda_of_the_org(org_a, mentor, mentee, api_for):
    agenda = AgendaTemplate.objects.for_org(org_a).create(organization=org_a, outcome_type="code_review",
                                                          name="Code review", prompts="What changed?")

    response = api_for(mentee).post(API + "sessions/book/", book_body(mentor, mentee, at(next_monday(), 10),
                                                                      agenda=str(agenda.pk)), format="json")

    assert response.status_code == 201
    assert response.json()["agenda"] == str(agenda.pk)


def test_booking_over_another_session_is_400_with_the_message(mentor, mentee, mentee_2, api_for):
    monday = next_monday()
    book(mentee_2, mentor, mentee_2, at(monday, 10))

    response = api_for(mentee).post(API + "sessions/book/", book_body(mentor, mentee, at(monday, 10, 15)),
                                    format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"start": [
        f"Otto Mentor already has a session then: {monday:%a} {monday.day} {monday:%b}, 10:00–10:30 "
        f"(Europe/Berlin)."]}


def test_booking_past_the_weekly_cap_is_400_with_the_message(org_a, mentor, mentee, api_for):
    monday = next_monday()
    other = MembershipFactory(organization=org_a, is_mentor=True, display_name="Tara Second")
    book(mentee, mentor, mentee, at(monday, 10))
    book(mentee, other, mentee, at(monday + timedelta(days=1), 10))

    response = api_for(mentee).post(API + "sessions/book/",
                                    book_body(mentor, mentee, at(monday + timedelta(days=2), 10)), format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == \
        f"Mina Mentee already has 2 sessions in the week of {week_label(at(monday, 12), 'Europe/Berlin')}."


def test_booking_a_person_of_another_org_is_a_field_error(mentee, outsider, api_for):
    response = api_for(mentee).post(API + "sessions/book/", book_body(outsider, mentee, at(next_monday(), 10)),
                                    format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["mentor"]


def test_booking_with_a_bad_body_is_400_not_500(mentee, api_for):
    response = api_for(mentee).post(API + "sessions/book/", {"mentor": "x", "start": "soon"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"mentor", "mentee", "start", "minutes"}


def test_booking_for_others_is_forbidden(mentor, mentee, mentee_2, api_for):
    response = api_for(mentee_2).post(API + "sessions/book/", book_body(mentor, mentee, at(next_monday(), 10)),
                                      format="json")

    assert response.status_code == 403


@pytest.fixture
def session(mentor, mentee):
    return book(mentee, mentor, mentee, at(next_monday(), 10))


def test_rescheduling_bumps_the_sequence(session, mentor, api_for):
    new_start = at(next_monday() + timedelta(days=1), 15)

    response = api_for(mentor).post(f"{API}sessions/{session.pk}/reschedule/", {"start": new_start.isoformat()},
                                    format="json")

    assert response.status_code == 200
    assert (datetime.fromisoformat(response.json()["start"]), response.json()["sequence"]) == (new_start, 1)


def test_cancelling_then_cancelling_again_is_409(session, mentee, api_for):
    api = api_for(mentee)

    first = api.post(f"{API}sessions/{session.pk}/cancel/", {"reason": "Ill"}, format="json")
    again = api.post(f"{API}sessions/{session.pk}/cancel/", {}, format="json")

    assert (first.status_code, first.json()["status"], first.json()["cancel_reason"]) == (200, "cancelled", "Ill")
    assert again.status_code == 409
    assert again.json()["detail"] == "This session is already cancelled; it cannot change."


@pytest.mark.parametrize("action", ["reschedule", "cancel"])
@pytest.mark.parametrize("who", ["mentee_2", "hr", "outsider"])
def test_anyone_but_participants_and_managers_gets_404(action, who, request, session, api_for):
    response = api_for(request.getfixturevalue(who)).post(
        f"{API}sessions/{session.pk}/{action}/", {"start": at(next_monday(), 14).isoformat()}, format="json")

    assert response.status_code == 404
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("booked", 0)


def test_manager_cancels_a_session_of_others(session, manager, api_for):
    assert api_for(manager).post(f"{API}sessions/{session.pk}/cancel/", {}, format="json").status_code == 200


# --- Availability ----------------------------------------------------------------------------------------

def test_availability_shows_the_profile_default_until_set(mentee, api_for):
    body = api_for(mentee).get(API + "availability/").json()

    assert (body["time_zone"], body["uses_default_hours"], body["working_windows"]) == ("Europe/Berlin", True, [])
    assert body["default_working_hours"][0] == {"weekday": 0, "start": "09:00:00", "end": "17:00:00"}


def test_availability_put_replaces_windows_and_focus_blocks(mentee, api_for):
    body = {"working_windows": [{"weekday": 0, "start": "08:00", "end": "12:00"},
                                {"weekday": 0, "start": "13:00", "end": "17:00"}],
            "focus_blocks": [{"weekday": 2, "start": "09:00", "end": "11:00", "label": "Writing"}]}

    response = api_for(mentee).put(API + "availability/", body, format="json")

    out = response.json()
    assert response.status_code == 200
    assert out["uses_default_hours"] is False
    assert [(w["weekday"], w["start"], w["end"]) for w in out["working_windows"]] == [
        (0, "08:00:00", "12:00:00"), (0, "13:00:00", "17:00:00")]
    assert [(b["weekday"], b["label"]) for b in out["focus_blocks"]] == [(2, "Writing")]


def test_availability_put_with_an_end_before_the_start_is_a_field_error(mentee, api_for):
    body = {"working_windows": [{"weekday": 1, "start": "17:00", "end": "09:00"}], "focus_blocks": []}

    response = api_for(mentee).put(API + "availability/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"working_windows": [
        "Tuesday: the end (09:00) must be after the start (17:00); a window cannot cross midnight."]}


def test_availability_for_an_outsider_is_404(outsider, api_for):
    assert api_for(outsider).get(API + "availability/").status_code == 404


# --- Calendars ---------------------------------------------------------------------------------------------

def ics_file(content: bytes | None = None):
    start = datetime.combine(timezone.now().date() + timedelta(days=1), time(9), tzinfo=UTC)
    content = content or (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    return SimpleUploadedFile("cal.ics", content, "text/calendar")


def test_uploading_a_calendar_then_listing_and_deleting_it(mentee, api_for):
    api = api_for(mentee)

    created = api.post(API + "calendars/", {"name": "Work", "file": ics_file()}, format="multipart")
    listed = api.get(API + "calendars/")
    deleted = api.delete(f"{API}calendars/{created.json()['id']}/")

    assert created.status_code == 201
    assert (created.json()["kind"], created.json()["busy_count"]) == ("upload", 1)
    assert [c["name"] for c in listed.json()["results"]] == ["Work"]
    assert deleted.status_code == 204
    assert not ExternalCalendar.objects.for_org(mentee.organization).exists()


def test_a_refused_calendar_file_is_400_on_the_file_field(mentee, api_for):
    response = api_for(mentee).post(API + "calendars/", {"name": "Work", "file": ics_file(b"nope")},
                                    format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "file": ["This is not an iCalendar (.ics) file: it should start with BEGIN:VCALENDAR."]}


def test_subscribing_to_a_url_is_201_and_waits_for_its_first_sync(mentee, api_for, settings):
    settings.ALLOW_PRIVATE_CALENDAR_URLS = True

    response = api_for(mentee).post(API + "calendars/", {"name": "Team", "url": "https://127.0.0.1:9/c.ics"},
                                    format="json")

    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["last_synced_at"]) == ("url", None)


def test_a_calendar_without_file_or_url_is_400(mentee, api_for):
    assert api_for(mentee).post(API + "calendars/", {"name": "Team"}, format="json").status_code == 400


def test_syncing_an_uploaded_calendar_says_to_upload_again(mentee, api_for):
    api = api_for(mentee)
    created = api.post(API + "calendars/", {"name": "Work", "file": ics_file()}, format="multipart").json()

    response = api.post(f"{API}calendars/{created['id']}/sync/")

    assert response.status_code == 400
    assert response.json()["detail"] == "An uploaded calendar is refreshed by uploading the file again."


def test_someone_elses_calendar_is_404(org_a, mentee, api_for):
    other = MembershipFactory(organization=org_a, is_mentee=True)
    created = api_for(other).post(API + "calendars/", {"name": "Theirs", "file": ics_file()}, format="multipart")
    api = api_for(mentee)

    assert api.get(f"{API}calendars/{created.json()['id']}/").status_code == 404
    assert api.delete(f"{API}calendars/{created.json()['id']}/").status_code == 404
    assert api.get(API + "calendars/").json()["results"] == []
