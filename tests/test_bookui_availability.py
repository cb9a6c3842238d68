"""The availability page and its services: working hours per weekday, focus
blocks, external calendars (upload, subscribe, sync now, remove) and the
calendar feed's address."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mentoring.errors import DomainError
from sessions_app.models import CalendarFeed, ExternalCalendar, FocusBlock, WorkingWindow
from sessions_app.services.availability import (
    availability_replace, availability_set_working_windows, focus_block_add, focus_block_remove)
from sessions_app.services.booking import calendar_feed_for
from tests.factories import MembershipFactory

PAGE = "/o/acme/availability/"


def windows_of(member):
    return list(WorkingWindow.objects.for_org(member.organization).filter(membership=member)
                .values_list("weekday", "start", "end"))


def blocks_of(member):
    return list(FocusBlock.objects.for_org(member.organization).filter(membership=member)
                .values_list("weekday", "start", "end", "label"))


def week_form(**days):
    """POST data: ``mon=("08:00", "16:00")`` etc.; days not given are off."""
    data = {}
    for number, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]):
        if name in days:
            data[f"d{number}_on"] = "on"
            data[f"d{number}_start"], data[f"d{number}_end"] = days[name]
    return data


def ics(*events: tuple[datetime, datetime]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for number, (start, end) in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:event-{number}@test", f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
                  f"DTEND:{end:%Y%m%dT%H%M%SZ}", "SUMMARY:Secret meeting", "END:VEVENT"]
    return ("\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n").encode()


def tomorrow(hour: int) -> datetime:
    return datetime.combine(timezone.now().date() + timedelta(days=1), time(hour), tzinfo=UTC)


# --- Working hours ----------------------------------------------------------------------------

def test_page_shows_the_profile_default_hours_until_set(mentee, client_for):
    response = client_for(mentee).get(PAGE)

    assert "your profile’s default applies: Monday to Friday, 09:00–17:00" in response.text
    assert 'name="d0_on" id="id_d0_on" checked' in response.text
    assert 'name="d5_on" id="id_d5_on" checked' not in response.text


def test_saving_working_hours_replaces_the_default(mentee, client_for):
    response = client_for(mentee).post(PAGE, week_form(mon=("08:00", "16:00"), sat=("10:00", "12:30")))

    assert response.status_code == 302
    assert windows_of(mentee) == [(0, time(8), time(16)), (5, time(10), time(12, 30))]


def test_working_hours_ending_before_they_start_are_a_field_error(mentee, client_for):
    response = client_for(mentee).post(PAGE, week_form(tue=("17:00", "09:00")))

    assert response.status_code == 400
    assert "Tuesday must end after it starts (17:00)." in response.text
    assert windows_of(mentee) == []


def test_service_refuses_a_window_that_ends_before_it_starts(mentee):
    with pytest.raises(DomainError) as error:
        availability_set_working_windows(actor=mentee, windows=[(1, time(17), time(9))])

    assert error.value.errors == {"working_windows": [
        "Tuesday: the end (09:00) must be after the start (17:00); a window cannot cross midnight."]}


def test_service_refuses_overlapping_windows_on_one_day(mentee):
    with pytest.raises(DomainError) as error:
        availability_set_working_windows(actor=mentee, windows=[(0, time(9), time(12)), (0, time(11), time(15))])

    assert error.value.first_message == "Monday: 09:00–12:00 overlaps 11:00–15:00."


def test_service_refuses_an_unknown_weekday(mentee):
    with pytest.raises(DomainError):
        availability_set_working_windows(actor=mentee, windows=[(7, time(9), time(12))])


def test_clearing_the_windows_brings_back_the_default(mentee):
    availability_set_working_windows(actor=mentee, windows=[(0, time(9), time(12))])

    availability_set_working_windows(actor=mentee, windows=[])

    assert windows_of(mentee) == []


# --- Focus blocks --------------------------------------------------------------------------------

def test_adding_a_focus_block(mentor, client_for):
    response = client_for(mentor).post(PAGE + "focus/", {"weekday": "2", "start": "09:00", "end": "11:30",
                                                         "label": "Deep work"})

    assert response.status_code == 302
    assert blocks_of(mentor) == [(2, time(9), time(11, 30), "Deep work")]


def test_a_focus_block_ending_before_it_starts_is_a_field_error(mentor, client_for):
    response = client_for(mentor).post(PAGE + "focus/", {"weekday": "2", "start": "11:00", "end": "09:00"})

    assert response.status_code == 400
    assert "A focus block must end after it starts (11:00)." in response.text
    assert blocks_of(mentor) == []


def test_overlapping_focus_blocks_are_refused_with_the_service_message(mentor, client_for):
    focus_block_add(actor=mentor, weekday=2, start=time(9), end=time(11))

    response = client_for(mentor).post(PAGE + "focus/", {"weekday": "2", "start": "10:00", "end": "12:00"})

    assert response.status_code == 400
    assert "Wednesday: this overlaps your focus block 09:00–11:00." in response.text


def test_removing_a_focus_block_asks_first(mentor, client_for):
    block = focus_block_add(actor=mentor, weekday=2, start=time(9), end=time(11))
    client = client_for(mentor)

    confirm = client.get(f"{PAGE}focus/{block.pk}/remove/")
    response = client.post(f"{PAGE}focus/{block.pk}/remove/")

    assert "Remove the focus block on Wednesday 09:00–11:00?" in confirm.text
    assert response.status_code == 302
    assert blocks_of(mentor) == []


def test_someone_elses_focus_block_is_404(mentor, mentee, client_for):
    block = focus_block_add(actor=mentor, weekday=2, start=time(9), end=time(11))

    assert client_for(mentee).post(f"{PAGE}focus/{block.pk}/remove/").status_code == 404
    with pytest.raises(Exception) as error:
        focus_block_remove(actor=mentee, block_id=block.pk)
    assert error.typename == "Http404"
    assert len(blocks_of(mentor)) == 1


def test_replacing_availability_at_once(mentor):
    availability_replace(actor=mentor, working_windows=[(0, time(8), time(12))],
                         focus_blocks=[(0, time(8), time(10), "Mornings")])

    assert (windows_of(mentor), blocks_of(mentor)) == ([(0, time(8), time(12))], [(0, time(8), time(10), "Mornings")])


# --- External calendars ------------------------------------------------------------------------------

def upload(client, name: str, content: bytes):
    return client.post(PAGE + "calendars/upload/",
                       {"name": name, "file": SimpleUploadedFile("cal.ics", content, "text/calendar")})


def test_uploading_an_ics_file_lists_it_with_its_busy_count(mentee, client_for):
    client = client_for(mentee)

    response = upload(client, "Work", ics((tomorrow(9), tomorrow(10)), (tomorrow(13), tomorrow(14))))
    page = client.get(PAGE)

    calendar = ExternalCalendar.objects.for_org(mentee.organization).get(membership=mentee)
    assert response.status_code == 302
    assert (calendar.name, calendar.busy_count) == ("Work", 2)
    assert "Secret meeting" not in page.text
    local = calendar.last_synced_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%a} {local.day} {local:%b %Y, %H:%M}" in page.text  # in the viewer's zone


def test_a_refused_ics_file_shows_the_services_message(mentee, client_for):
    response = upload(client_for(mentee), "Work", b"hello, not a calendar")

    assert response.status_code == 400
    assert "This is not an iCalendar (.ics) file: it should start with BEGIN:VCALENDAR." in response.text
    assert not ExternalCalendar.objects.for_org(mentee.organization).exists()


@pytest.fixture
def calendar_server(settings):
    """A local ICS server (private addresses allowed for the test)."""
    settings.ALLOW_PRIVATE_CALENDAR_URLS = True
    body = {"content": ics((tomorrow(9), tomorrow(10)))}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            self.wfile.write(body["content"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cal.ics", body
    server.shutdown()
    server.server_close()


def test_subscribing_and_syncing_a_calendar_url_now(mentee, client_for, calendar_server):
    address, _ = calendar_server
    client = client_for(mentee)
    client.post(PAGE + "calendars/subscribe/", {"name": "Team", "url": address})
    calendar = ExternalCalendar.objects.for_org(mentee.organization).get(membership=mentee)

    response = client.post(f"{PAGE}calendars/{calendar.pk}/sync/", follow=True)

    calendar.refresh_from_db()
    assert (calendar.busy_count, calendar.last_error) == (1, "")
    assert "Synced “Team”: 1 busy time." in response.text


def test_a_failed_sync_shows_the_error_in_the_list(mentee, client_for, settings):
    settings.ALLOW_PRIVATE_CALENDAR_URLS = True
    org = mentee.organization
    calendar = ExternalCalendar.objects.for_org(org).create(organization=org, membership=mentee, name="Gone",
                                                             url="http://127.0.0.1:9/cal.ics")
    client = client_for(mentee)

    client.post(f"{PAGE}calendars/{calendar.pk}/sync/")
    page = client.get(PAGE)

    calendar.refresh_from_db()
    assert calendar.last_error.startswith("The calendar server could not be reached")
    assert calendar.last_error in page.text


def test_subscribing_to_a_bad_address_is_a_field_error(mentee, client_for):
    response = client_for(mentee).post(PAGE + "calendars/subscribe/", {"name": "Team", "url": "ftp://x/cal.ics"})

    assert response.status_code == 400
    assert "Enter an http:// or https:// (or webcal://) address of an .ics calendar." in response.text


def test_removing_a_calendar_asks_first(mentee, client_for):
    client = client_for(mentee)
    upload(client, "Work", ics((tomorrow(9), tomorrow(10))))
    calendar = ExternalCalendar.objects.for_org(mentee.organization).get()

    confirm = client.get(f"{PAGE}calendars/{calendar.pk}/delete/")
    response = client.post(f"{PAGE}calendars/{calendar.pk}/delete/")

    assert "Remove the calendar “Work”?" in confirm.text
    assert response.status_code == 302
    assert not ExternalCalendar.objects.for_org(mentee.organization).exists()


def test_someone_elses_calendar_is_404(org_a, mentee, client_for):
    other = MembershipFactory(organization=org_a, is_mentee=True)
    upload(client_for(other), "Theirs", ics((tomorrow(9), tomorrow(10))))
    calendar = ExternalCalendar.objects.for_org(org_a).get()
    client = client_for(mentee)

    assert client.get(f"{PAGE}calendars/{calendar.pk}/delete/").status_code == 404
    assert client.post(f"{PAGE}calendars/{calendar.pk}/delete/").status_code == 404
    assert client.post(f"{PAGE}calendars/{calendar.pk}/sync/").status_code == 404
    assert ExternalCalendar.objects.for_org(org_a).count() == 1


# --- Calendar feed -------------------------------------------------------------------------------------

def test_page_shows_the_members_feed_address(mentee, client_for):
    response = client_for(mentee).get(PAGE)

    feed = CalendarFeed.objects.for_org(mentee.organization).get(membership=mentee)
    assert f"/calendar/{feed.secret}.ics" in response.text


def test_rotating_the_feed_asks_first_and_the_old_address_stops_working(mentee, client_for):
    old = calendar_feed_for(mentee).secret
    client = client_for(mentee)

    confirm = client.get(PAGE + "feed/rotate/")
    response = client.post(PAGE + "feed/rotate/")

    new = CalendarFeed.objects.for_org(mentee.organization).get(membership=mentee).secret
    assert "The current address stops working at once" in confirm.text
    assert response.status_code == 302
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
