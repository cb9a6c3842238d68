"""External calendars: an uploaded .ics file or a subscribed ICS URL, of which
only busy times are kept (``sessions_app.ical_import`` has the rules).

Uploads are read on the spot; URL calendars are fetched by Celery
(``tasks.sync_calendar``, swept by ``tasks.sync_due_calendars``). Every import
replaces the calendar's busy times in one transaction; a failed one keeps the
previous busy times and records ``last_error``. An uploaded file is not kept
(privacy), so its busy times cover the window as of the upload: upload it again
to move the window on.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import Membership
from mentoring.outbox import enqueue_on_commit
from mentoring.tenancy import org_get_or_404

from .. import ical_import
from ..models import BusyTime, ExternalCalendar

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_URL_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 5
SYNC_INTERVAL = timedelta(hours=1)
USER_AGENT = "Touchpoint calendar sync"


def calendar_access(*, actor: Membership, calendar_id) -> ExternalCalendar:
    """The actor's own calendar. Another member's or another org's is a 404:
    one answer for "missing" and "not yours"."""
    return org_get_or_404(ExternalCalendar, actor.organization, pk=calendar_id, membership=actor)


def calendar_upload(*, actor: Membership, name: str, content: bytes, now: datetime | None = None) -> ExternalCalendar:
    """Import an .ics file; uploading again under the same name replaces it."""
    _require_member(actor)
    name = _clean_name(name)
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(f"This file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", field="file")
    now = now or timezone.now()
    busy = _busy_for(actor, content, now)
    org = actor.organization
    with transaction.atomic():
        # Serialises a member's calendar writes, so two uploads of one name make one calendar.
        Membership.objects.for_org(org).select_for_update().filter(pk=actor.pk).first()
        calendar = ExternalCalendar.objects.for_org(org).filter(membership=actor, name=name, url="").first()
        if calendar is None:
            calendar = ExternalCalendar.objects.for_org(org).create(organization=org, membership=actor, name=name)
        _replace_busy(calendar, busy, now)
    return calendar


def calendar_subscribe(*, actor: Membership, name: str, url: str) -> ExternalCalendar:
    """Subscribe to an ICS URL; the first fetch runs in the background after commit."""
    _require_member(actor)
    name = _clean_name(name)
    url = clean_calendar_url(url)
    org = actor.organization
    with transaction.atomic():
        Membership.objects.for_org(org).select_for_update().filter(pk=actor.pk).first()
        if ExternalCalendar.objects.for_org(org).filter(membership=actor, url=url).exists():
            raise Conflict("You already subscribe to this calendar URL.", field="url")
        calendar = ExternalCalendar.objects.for_org(org).create(organization=org, membership=actor, name=name,
                                                                url=url)
        from ..tasks import sync_calendar  # tasks import services: import here, not at the top

        enqueue_on_commit(sync_calendar, str(calendar.pk))
    return calendar


def calendar_sync(*, calendar: ExternalCalendar, now: datetime | None = None) -> ExternalCalendar:
    """Fetch a URL calendar and replace its busy times. A failure is recorded in
    ``last_error`` (not raised: the next sweep retries) and keeps the old busy times."""
    if not calendar.url:
        raise DomainError("An uploaded calendar is refreshed by uploading the file again.", field="file")
    now = now or timezone.now()
    scoped = ExternalCalendar.objects.for_org(calendar.organization)
    try:
        busy = _busy_for(calendar.membership, fetch_calendar(calendar.url), now)
    except DomainError as exc:
        scoped.filter(pk=calendar.pk).update(last_error=exc.first_message)
        calendar.last_error = exc.first_message
        return calendar
    with transaction.atomic():
        locked = scoped.select_for_update().filter(pk=calendar.pk).first()
        if locked is not None:  # deleted while we were fetching: nothing to keep
            _replace_busy(locked, busy, now)
            calendar = locked
    return calendar


def calendar_delete(*, actor: Membership, calendar_id) -> None:
    calendar_access(actor=actor, calendar_id=calendar_id).delete()  # busy times cascade


def calendars_due_for_sync(*, now: datetime | None = None) -> list:
    """Ids of URL calendars not synced within SYNC_INTERVAL, across all orgs
    (the beat sweep has no org; each id is then synced inside its own org)."""
    cutoff = (now or timezone.now()) - SYNC_INTERVAL
    return list(ExternalCalendar.unscoped.exclude(url="")
                .filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=cutoff))
                .order_by("last_synced_at").values_list("pk", flat=True))


# --- Helpers ------------------------------------------------------------------------

def _require_member(actor: Membership) -> None:
    if actor is None or not actor.is_active:
        raise NotPermitted("Only active members have calendars here.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the calendar a name.", field="name")
    if len(name) > ExternalCalendar._meta.get_field("name").max_length:
        raise DomainError("Keep the name under 120 characters.", field="name")
    return name


def _busy_for(member: Membership, content: bytes, now: datetime):
    window_start, window_end = ical_import.default_window(now)
    return ical_import.busy_intervals(content, time_zone=member.time_zone, window_start=window_start,
                                      window_end=window_end)


def _replace_busy(calendar: ExternalCalendar, busy, now: datetime) -> None:
    org = calendar.organization
    BusyTime.objects.for_org(org).filter(calendar=calendar).delete()
    BusyTime.objects.for_org(org).bulk_create(
        BusyTime(organization=org, calendar=calendar, membership_id=calendar.membership_id, start=start, end=end)
        for start, end in busy)
    calendar.last_synced_at, calendar.busy_count, calendar.last_error = now, len(busy), ""
    calendar.save(update_fields=["last_synced_at", "busy_count", "last_error"])


# --- Fetching URLs ------------------------------------------------------------------

def clean_calendar_url(url: str) -> str:
    """http(s) only (webcal:// is https by convention), and not a private address."""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = {"webcal": "https", "webcals": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
    if scheme not in ("http", "https") or not parts.hostname:
        raise DomainError("Enter an http:// or https:// (or webcal://) address of an .ics calendar.", field="url")
    url = urlunsplit((scheme, *parts[1:]))
    if len(url) > ExternalCalendar._meta.get_field("url").max_length:
        raise DomainError("This address is too long.", field="url")
    _require_public_host(parts.hostname)
    return url


def _require_public_host(host: str) -> None:
    """Refuse hosts that resolve to loopback, private or link-local addresses, so
    a member cannot make the server fetch from its own network (SSRF). The
    address is resolved again when fetching; a DNS answer that changes in
    between is a residual risk that only pinning the address would remove."""
    if settings.DEBUG or getattr(settings, "ALLOW_PRIVATE_CALENDAR_URLS", False):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        raise DomainError(f"The calendar's host “{host}” could not be found.", field="url") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise DomainError("This address points into a private or local network; "
                              "calendars are fetched from the public internet only.", field="url")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http(s) URL that passes the same checks."""

    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        clean_calendar_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_calendar(url: str) -> bytes:
    """The body at ``url``: at most MAX_URL_BYTES within FETCH_TIMEOUT_SECONDS in all."""
    url = clean_calendar_url(url)
    opener = urllib.request.build_opener(_CheckedRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, */*"})
    deadline = time.monotonic() + FETCH_TIMEOUT_SECONDS
    too_large = DomainError(f"The calendar is larger than {MAX_URL_BYTES // (1024 * 1024)} MB.", field="url")
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            if int(response.headers.get("Content-Length") or 0) > MAX_URL_BYTES:
                raise too_large
            body = bytearray()
            while chunk := response.read(64 * 1024):
                body += chunk
                if len(body) > MAX_URL_BYTES:
                    raise too_large
                if time.monotonic() > deadline:  # a slow drip must not hold a worker
                    raise TimeoutError
            return bytes(body)
    except urllib.error.HTTPError as exc:
        raise DomainError(f"The calendar server answered {exc.code} {exc.reason}.", field="url") from None
    except TimeoutError:
        raise DomainError(f"The calendar server did not answer within {FETCH_TIMEOUT_SECONDS} seconds.",
                          field="url") from None
    except urllib.error.URLError as exc:
        raise DomainError(f"The calendar server could not be reached ({exc.reason}).", field="url") from None
    except (OSError, http.client.HTTPException, ValueError):
        raise DomainError("The calendar server sent a broken answer.", field="url") from None
