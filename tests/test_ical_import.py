"""External calendar import: every .ics file of ../shared/data/ics and of
tests/data/ics either imports with the busy times recurring_ical_events
expands for the same window, or is refused with a clear message; then the
services (upload, URL subscription and sync) and the Celery tasks."""

from __future__ import annotations

import threading
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
import recurring_ical_events
from django.http import Http404

from mentoring.errors import Conflict, DomainError
from sessions_app import ical_import
from sessions_app.models import BusyTime, ExternalCalendar
from sessions_app.services import calendars
from sessions_app.tasks import sync_calendar, sync_due_calendars
from tests.factories import MembershipFactory

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "ics"
OWN_DIR = Path(__file__).resolve().parent / "data" / "ics"
MEMBER_TZ = "America/New_York"
UTC = timezone.utc

# Files that must be refused, with a piece of the message the member reads.
SHARED_REFUSED = {"bad_rrule_missing_until_event.ics": "repeat rule could not be understood"}
OWN_REFUSED = {
    "malformed_dtstart.ics": "unreadable DTSTART",
    "no_dtstart.ics": "no start time",
    "not_a_calendar.ics": "not an iCalendar",
    "truncated.ics": "incomplete or malformed",
    "too_many_events.ics": "more than 5,000 events in the next 60 days",
    "too_frequent.ics": "more often than hourly",
    "unknown_time_zone.ics": "unknown time zone",
}
REFUSED = {**SHARED_REFUSED, **OWN_REFUSED}


def _files(directory: Path):
    if not directory.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{directory} is absent"))]
    return [pytest.param(path, id=f"{directory.parent.parent.name}/{path.name}")
            for path in sorted(directory.glob("*.ics"))]


ALL_FILES = _files(SHARED_DIR) + _files(OWN_DIR)
IMPORTABLE = [p for p in ALL_FILES if p.values[0] is None or p.values[0].name not in REFUSED]
REFUSABLE = [p for p in ALL_FILES if p.values[0] is None or p.values[0].name in REFUSED]


# --- The expectation, computed straight from recurring_ical_events -----------------

def _as_utc(value, tz) -> datetime:
    if type(value) is date:
        value = datetime(value.year, value.month, value.day)
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)


def window_of(content: bytes) -> tuple[datetime, datetime]:
    """The import window as if "now" were the file's first event (the shared
    files have events in particular years), else a fixed day."""
    tz = zoneinfo.ZoneInfo(MEMBER_TZ)
    try:
        events = icalendar.Calendar.from_ical(content).walk("VEVENT")
        now = min(_as_utc(event["DTSTART"].dt, tz) for event in events)
    except (ValueError, KeyError):
        now = datetime(2025, 1, 6, 12, tzinfo=UTC)
    return now - timedelta(days=1), now + timedelta(days=60)


def expected_busy(content: bytes, start: datetime, end: datetime) -> list:
    """What recurring_ical_events expands, minus the documented free time:
    cancelled, transparent, all-day unless explicitly opaque, zero-length."""
    tz = zoneinfo.ZoneInfo(MEMBER_TZ)
    query = recurring_ical_events.of(icalendar.Calendar.from_ical(content))
    busy = set()
    for event in query.between(start.astimezone(tz), end.astimezone(tz)):
        transp = event.get("TRANSP", "OPAQUE" if type(event["DTSTART"].dt) is datetime else "TRANSPARENT")
        if str(event.get("STATUS", "")).upper() != "CANCELLED" and transp.upper() == "OPAQUE":
            busy.add((_as_utc(event["DTSTART"].dt, tz), _as_utc(event["DTEND"].dt, tz)))
    return sorted((s, e) for s, e in busy if s < e)


def import_file(path: Path, time_zone: str = MEMBER_TZ) -> list:
    content = path.read_bytes()
    start, end = window_of(content)
    return ical_import.busy_intervals(content, time_zone=time_zone, window_start=start, window_end=end)


@pytest.mark.parametrize("path", IMPORTABLE)
def test_calendar_file_imports_the_busy_times_recurring_ical_events_expands(path):
    content = path.read_bytes()
    start, end = window_of(content)

    assert import_file(path) == expected_busy(content, start, end)


@pytest.mark.parametrize("path", REFUSABLE)
def test_calendar_file_is_refused_with_a_clear_message(path):
    with pytest.raises(DomainError) as refusal:
        import_file(path)

    assert list(refusal.value.errors) == ["file"]
    assert REFUSED[path.name] in refusal.value.first_message


def test_a_time_zone_name_too_long_for_a_file_name_is_refused_not_a_crash():
    # zoneinfo looks the TZID up as a file: a 300-character name raises OSError (found by fuzzing).
    long_zone = "Europe/" + "x" * 300
    content = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
               f"DTSTART;TZID={long_zone}:20260301T090000\r\nDTEND;TZID={long_zone}:20260301T100000\r\n"
               f"END:VEVENT\r\nEND:VCALENDAR\r\n").encode()

    with pytest.raises(DomainError) as refusal:
        calendar = ical_import.parse_calendar(content)
        ical_import.expand(calendar, datetime(2026, 2, 28, tzinfo=timezone.utc),
                           datetime(2026, 3, 3, tzinfo=timezone.utc))

    assert list(refusal.value.errors) == ["file"]


def test_every_refusal_listed_names_a_file_that_exists():
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent")

    assert set(SHARED_REFUSED) <= {path.name for path in SHARED_DIR.glob("*.ics")}
    assert set(OWN_REFUSED) <= {path.name for path in OWN_DIR.glob("*.ics")}


# --- Our own files, worked out by hand ------------------------------------------------

def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


HAND_WORKED = {
    # 09:00 Berlin is 08:00 UTC before 30 March 2025 and 07:00 UTC after.
    "dst_weekly.ics": [("2025-03-17 08:00", "2025-03-17 08:30"), ("2025-03-24 08:00", "2025-03-24 08:30"),
                       ("2025-03-31 07:00", "2025-03-31 07:30"), ("2025-04-07 07:00", "2025-04-07 07:30")],
    "moved_occurrence.ics": [("2025-06-02 12:00", "2025-06-02 12:30"), ("2025-06-03 14:00", "2025-06-03 14:45"),
                             ("2025-06-04 12:00", "2025-06-04 12:30")],
    "deleted_occurrence.ics": [("2025-01-08 10:00", "2025-01-08 11:00"), ("2025-01-22 10:00", "2025-01-22 11:00"),
                               ("2025-01-29 10:00", "2025-01-29 11:00")],
    # An opaque date without DTEND: the whole local day (New York); a date-time without DTEND: nothing.
    "missing_dtend.ics": [("2025-02-10 05:00", "2025-02-11 05:00")],
    "duration.ics": [("2025-03-03 15:00", "2025-03-03 15:45"), ("2025-03-05 05:00", "2025-03-07 05:00")],
    "duplicated_uid.ics": [("2025-04-02 10:00", "2025-04-02 10:30"), ("2025-04-03 10:00", "2025-04-03 11:00")],
    # Floating 09:00 in the member's zone, on both sides of the US clock change.
    "floating.ics": [("2025-03-07 14:00", "2025-03-07 14:30"), ("2025-03-11 13:00", "2025-03-11 13:30")],
    "x_wr_timezone.ics": [("2025-08-04 03:30", "2025-08-04 04:30"), ("2025-08-05 12:00", "2025-08-05 13:00")],
    "all_day.ics": [("2025-12-29 05:00", "2025-12-31 05:00")],
    "free_and_cancelled.ics": [("2025-09-01 14:00", "2025-09-01 15:00"), ("2025-09-02 09:00", "2025-09-02 09:30"),
                               ("2025-09-04 09:00", "2025-09-04 09:30")],
    "todo_only.ics": [],
    "empty.ics": [],
}


@pytest.mark.parametrize("name", sorted(HAND_WORKED))
def test_own_calendar_file_gives_the_busy_times_worked_out_by_hand(name):
    expected = [(utc(start), utc(end)) for start, end in HAND_WORKED[name]]

    assert import_file(OWN_DIR / name) == expected


def test_floating_times_are_read_in_the_members_time_zone():
    berlin = import_file(OWN_DIR / "floating.ics", time_zone="Europe/Berlin")

    assert berlin[0] == (utc("2025-03-07 08:00"), utc("2025-03-07 08:30"))


def test_occurrences_outside_the_window_are_left_out():
    content = (OWN_DIR / "dst_weekly.ics").read_bytes()

    busy = ical_import.busy_intervals(content, time_zone=MEMBER_TZ, window_start=utc("2025-03-20 00:00"),
                                      window_end=utc("2025-04-01 00:00"))

    assert busy == [(utc("2025-03-24 08:00"), utc("2025-03-24 08:30")),
                    (utc("2025-03-31 07:00"), utc("2025-03-31 07:30"))]


OWN_FILES = sorted(OWN_DIR.glob("*.ics"))


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OWN_FILES), st.data())
def test_a_mangled_calendar_file_is_imported_or_refused_never_a_crash(path, data):
    """Cut, drop, repeat or garble a line: the import gives busy times or a DomainError."""
    lines = path.read_bytes().split(b"\n")
    at = data.draw(st.integers(0, len(lines) - 1))
    mangle = data.draw(st.sampled_from(["cut", "drop", "repeat", "garble"]))
    if mangle == "cut":
        lines = lines[:at]
    elif mangle == "drop":
        del lines[at]
    elif mangle == "repeat":
        lines.insert(at, lines[data.draw(st.integers(0, len(lines) - 1))])
    else:
        lines[at] = data.draw(st.binary(max_size=40))
    content = b"\n".join(lines)

    try:
        busy = ical_import.busy_intervals(content, time_zone=MEMBER_TZ, window_start=utc("2024-12-01 00:00"),
                                          window_end=utc("2026-01-31 00:00"))
    except DomainError as refusal:
        assert list(refusal.errors) == ["file"]
    else:
        assert all(start < end and start.tzinfo is UTC for start, end in busy)


def test_default_window_runs_from_a_day_ago_to_sixty_days_ahead():
    now = utc("2025-05-01 12:00")

    assert ical_import.default_window(now) == (utc("2025-04-30 12:00"), utc("2025-06-30 12:00"))


# --- Services --------------------------------------------------------------------------

NOW = utc("2025-03-16 12:00")  # dst_weekly.ics's four Mondays lie in the window


def upload(member, name="Work", file="dst_weekly.ics", now=NOW):
    return calendars.calendar_upload(actor=member, name=name, content=(OWN_DIR / file).read_bytes(), now=now)


def busy_of(member) -> list:
    return list(BusyTime.objects.for_org(member.organization).filter(membership=member).values_list("start", "end"))


def test_upload_creates_busy_times_for_the_uploader_only(mentor, mentee):
    calendar = upload(mentor)

    assert len(busy_of(mentor)) == 4
    assert busy_of(mentee) == []
    assert (calendar.busy_count, calendar.last_synced_at, calendar.last_error) == (4, NOW, "")


def test_uploading_again_under_the_same_name_replaces_the_busy_times(mentor):
    first = upload(mentor)
    second = upload(mentor, file="moved_occurrence.ics", now=utc("2025-06-01 12:00"))

    assert second.pk == first.pk
    assert busy_of(mentor)[1] == (utc("2025-06-03 14:00"), utc("2025-06-03 14:45"))
    assert ExternalCalendar.objects.for_org(mentor.organization).get(pk=first.pk).busy_count == 3


def test_a_refused_upload_keeps_the_previous_busy_times(mentor):
    upload(mentor)

    with pytest.raises(DomainError, match="unreadable DTSTART"):
        upload(mentor, file="malformed_dtstart.ics")

    assert len(busy_of(mentor)) == 4


def test_a_refused_first_upload_creates_no_calendar(mentor):
    with pytest.raises(DomainError):
        upload(mentor, file="not_a_calendar.ics")

    assert not ExternalCalendar.objects.for_org(mentor.organization).exists()


def test_an_upload_over_two_megabytes_is_refused(mentor):
    content = (OWN_DIR / "empty.ics").read_bytes() + b" " * (2 * 1024 * 1024)

    with pytest.raises(DomainError, match="larger than 2 MB") as refusal:
        calendars.calendar_upload(actor=mentor, name="Big", content=content)

    assert list(refusal.value.errors) == ["file"]


def test_a_calendar_needs_a_name(mentor):
    with pytest.raises(DomainError) as refusal:
        upload(mentor, name="   ")

    assert list(refusal.value.errors) == ["name"]


def test_another_orgs_member_gets_404_for_a_calendar(mentor, outsider):
    calendar = upload(mentor)

    with pytest.raises(Http404):
        calendars.calendar_delete(actor=outsider, calendar_id=calendar.pk)


def test_another_member_of_the_org_gets_404_for_a_calendar(mentor, mentee):
    calendar = upload(mentor)

    with pytest.raises(Http404):
        calendars.calendar_access(actor=mentee, calendar_id=calendar.pk)


def test_deleting_a_calendar_removes_its_busy_times(mentor):
    calendar = upload(mentor)

    calendars.calendar_delete(actor=mentor, calendar_id=calendar.pk)

    assert busy_of(mentor) == []


# --- URL calendars ---------------------------------------------------------------------

def weekly_ics(first: datetime, count: int = 3) -> bytes:
    """A weekly 30-minute event from ``first`` (UTC), for tests that run at today's date."""
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:w@test\r\n"
            f"DTSTAMP:20250101T000000Z\r\nDTSTART:{first:%Y%m%dT%H%M%SZ}\r\nDURATION:PT30M\r\n"
            f"RRULE:FREQ=WEEKLY;COUNT={count}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


class CalendarServer:
    """A local http.server on 127.0.0.1 answering from ``routes``: path -> (status, headers, body)."""

    def __init__(self):
        routes = self.routes = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status, headers, body = routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for key, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda request, address: None  # clients that hang up early (size limit)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ics_server(settings):
    settings.ALLOW_PRIVATE_CALENDAR_URLS = True  # loopback only: the server binds 127.0.0.1
    server = CalendarServer()
    yield server
    server.close()


@pytest.fixture
def tomorrow():
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=1), time(10, 0), tzinfo=UTC)


def subscribe(member, server, path="/team.ics"):
    return calendars.calendar_subscribe(actor=member, name="Team", url=server.url(path))


def test_subscribing_to_a_loopback_url_is_refused(mentor, settings):
    settings.ALLOW_PRIVATE_CALENDAR_URLS = False

    with pytest.raises(DomainError, match="private or local network") as refusal:
        calendars.calendar_subscribe(actor=mentor, name="Team", url="http://127.0.0.1:8000/cal.ics")

    assert list(refusal.value.errors) == ["url"]


@pytest.mark.parametrize("url", ["http://10.1.2.3/cal.ics", "http://169.254.169.254/latest/meta-data",
                                 "http://[::ffff:127.0.0.1]/cal.ics", "http://[fd00::1]/cal.ics"])
def test_subscribing_to_a_private_address_is_refused(mentor, url):
    with pytest.raises(DomainError, match="private or local network"):
        calendars.calendar_subscribe(actor=mentor, name="Team", url=url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/cal.ics", "calendar.ics", ""])
def test_subscribing_to_a_non_http_url_is_refused(mentor, url):
    with pytest.raises(DomainError, match="http:// or https://"):
        calendars.calendar_subscribe(actor=mentor, name="Team", url=url)


def test_subscribing_enqueues_the_first_sync_after_commit(mentor, ics_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        calendar = subscribe(mentor, ics_server)

    assert (len(callbacks), calendar.last_synced_at) == (1, None)


def test_webcal_urls_are_fetched_over_https(mentor, ics_server):
    calendar = calendars.calendar_subscribe(actor=mentor, name="Team", url="webcal://127.0.0.1/team.ics")

    assert calendar.url == "https://127.0.0.1/team.ics"


def test_subscribing_twice_to_one_url_is_a_conflict(mentor, ics_server):
    subscribe(mentor, ics_server)

    with pytest.raises(Conflict):
        subscribe(mentor, ics_server)


def test_url_calendar_syncs_its_busy_times(mentor, ics_server, tomorrow):
    ics_server.routes["/team.ics"] = (200, {"Content-Type": "text/calendar"}, weekly_ics(tomorrow))
    calendar = subscribe(mentor, ics_server)

    calendar = calendars.calendar_sync(calendar=calendar)

    assert busy_of(mentor) == [(tomorrow + timedelta(weeks=n), tomorrow + timedelta(weeks=n, minutes=30))
                               for n in range(3)]
    assert (calendar.busy_count, calendar.last_error) == (3, "")


@pytest.mark.parametrize("answer, message", [
    ((500, {}, b"oops"), "answered 500"),
    ((200, {}, b"<html>sign in</html>"), "not an iCalendar"),
    ((302, {"Location": "file:///etc/passwd"}, b""), "not allowed"),
    ((302, {"Location": "ftp://example.com/cal.ics"}, b""), "http:// or https://"),
    ((200, {}, b" " * (5 * 1024 * 1024 + 1)), "larger than 5 MB"),
])
def test_a_failed_sync_keeps_the_previous_busy_times_and_records_why(mentor, ics_server, tomorrow, answer, message):
    ics_server.routes["/team.ics"] = (200, {}, weekly_ics(tomorrow))
    synced = calendars.calendar_sync(calendar=subscribe(mentor, ics_server))
    ics_server.routes["/team.ics"] = answer

    calendar = calendars.calendar_sync(calendar=synced)

    assert message in calendar.last_error
    assert len(busy_of(mentor)) == 3
    stored = ExternalCalendar.objects.for_org(mentor.organization).get(pk=calendar.pk)
    assert (stored.last_error, stored.last_synced_at) == (calendar.last_error, synced.last_synced_at)


def test_a_redirect_to_another_http_url_is_followed(mentor, ics_server, tomorrow):
    ics_server.routes["/old.ics"] = (301, {"Location": ics_server.url("/team.ics")}, b"")
    ics_server.routes["/team.ics"] = (200, {}, weekly_ics(tomorrow))

    calendar = calendars.calendar_sync(calendar=subscribe(mentor, ics_server, "/old.ics"))

    assert calendar.busy_count == 3


def test_an_uploaded_calendar_cannot_be_synced_from_a_url(mentor):
    with pytest.raises(DomainError, match="uploading the file again"):
        calendars.calendar_sync(calendar=upload(mentor))


# --- Celery tasks ----------------------------------------------------------------------

def test_sync_calendar_task_is_idempotent(mentor, ics_server, tomorrow):
    ics_server.routes["/team.ics"] = (200, {}, weekly_ics(tomorrow))
    calendar = subscribe(mentor, ics_server)

    sync_calendar(str(calendar.pk))
    first = busy_of(mentor)
    sync_calendar(str(calendar.pk))

    assert busy_of(mentor) == first
    assert len(first) == 3


def test_sync_calendar_task_ignores_a_deleted_calendar(mentor, ics_server):
    calendar_id = str(subscribe(mentor, ics_server).pk)
    ExternalCalendar.objects.for_org(mentor.organization).filter(pk=calendar_id).delete()

    assert sync_calendar(calendar_id) == "gone"


def test_calendars_due_are_url_calendars_never_synced_or_synced_over_an_hour_ago(mentor, ics_server, mentee):
    never = subscribe(mentor, ics_server, "/never.ics")
    stale = subscribe(mentor, ics_server, "/stale.ics")
    fresh = subscribe(mentor, ics_server, "/fresh.ics")
    upload(mentee)
    scoped = ExternalCalendar.objects.for_org(mentor.organization)
    scoped.filter(pk=stale.pk).update(last_synced_at=NOW - timedelta(hours=2))
    scoped.filter(pk=fresh.pk).update(last_synced_at=NOW - timedelta(minutes=10))

    due = calendars.calendars_due_for_sync(now=NOW)

    assert set(due) == {never.pk, stale.pk}


def test_the_sweep_syncs_every_calendar_due(mentor, ics_server, tomorrow, monkeypatch,
                                           django_capture_on_commit_callbacks):
    from mentoring.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # runs sync_calendar in-process
    ics_server.routes["/team.ics"] = (200, {}, weekly_ics(tomorrow))
    other = MembershipFactory(organization=mentor.organization)
    subscribe(mentor, ics_server)
    subscribe(other, ics_server)

    with django_capture_on_commit_callbacks(execute=True):  # the outbox publishes on commit
        assert sync_due_calendars() == 2
    assert (len(busy_of(mentor)), len(busy_of(other))) == (3, 3)
    assert sync_due_calendars() == 0
