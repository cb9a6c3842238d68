"""The network model: mentors list themselves in a network program's
directory, mentees request a micro-session in one of the mentor's free slots,
the mentor accepts (booked through ``session_book``: the mentee pays from the
time-bank) or declines with a message. A mentor marking themselves
unavailable declines every open request with their message. Each side hears
of the other's move through an in-app notification."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import MentoringSession, Notification
from sessions_app.selectors.availability import slot_suggestions
from sessions_app.services.booking import session_book
from sessions_app.weeks import iso_week_bounds

from .errors import Conflict, DomainError, NotPermitted
from .models import MentorListing, Membership, Program, SessionRequest
from .services import _skills_for, require_role
from .services_timebank import timebank_balance

Status = SessionRequest.Status
MAX_TOPICS = 12
REQUEST_DAYS = 14  # how far ahead a mentee may pick a slot (the slots the directory offers)


def _notify(org, recipient: Membership, title: str, body: str, link: str) -> None:
    Notification.objects.for_org(org).create(organization=org, recipient=recipient, title=title[:200],
                                             body=body, link=link)


def _requests_link(org) -> str:
    return reverse("session_request_list", args=[org.slug])


def _local(instant: datetime, member: Membership) -> str:
    import zoneinfo

    local = instant.astimezone(zoneinfo.ZoneInfo(member.time_zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({member.time_zone})"


def _require_network(program: Program, org) -> None:
    if program is None or program.organization_id != org.pk or program.kind != Program.Kind.NETWORK:
        raise DomainError("Pick a network program of this organisation.", field="program")


# --- Listings --------------------------------------------------------------------------------

@transaction.atomic
def listing_save(*, actor: Membership, program: Program, topics: list[str], weekly_capacity: int,
                 about: str = "", is_available: bool = True, unavailable_message: str = "") -> MentorListing:
    """Create or update the actor's own listing. Going unavailable declines
    every open request addressed to them, with their message."""
    require_role(actor, "mentor")
    org = actor.organization
    _require_network(program, org)
    errors = {}
    if not isinstance(weekly_capacity, int) or isinstance(weekly_capacity, bool) or not 1 <= weekly_capacity <= 40:
        errors["weekly_capacity"] = ["Offer between 1 and 40 sessions a week."]
    names = [name for name in (topics or []) if name and name.strip()]
    if len(names) > MAX_TOPICS:
        errors["topics"] = [f"List at most {MAX_TOPICS} topics."]
    about, message = (about or "").strip(), (unavailable_message or "").strip()
    if len(about) > 300:
        errors["about"] = ["Keep the introduction under 300 characters."]
    if len(message) > 200:
        errors["unavailable_message"] = ["Keep the message under 200 characters."]
    if not is_available and not message:
        errors["unavailable_message"] = ["Say why you are unavailable (and until when): mentees read it."]
    if errors:
        raise DomainError(errors)
    listing, _ = MentorListing.objects.for_org(org).select_for_update().get_or_create(
        program=program, membership=actor, defaults={"organization": org})
    listing.weekly_capacity, listing.about = weekly_capacity, about
    listing.is_available, listing.unavailable_message = is_available, "" if is_available else message
    listing.save()
    listing.topics.set(_skills_for(org, names))
    if not is_available:
        _decline_open(actor, SessionRequest.objects.for_org(org).filter(mentor=actor, program=program), message)
    return listing


def _decline_open(actor: Membership, requests, message: str) -> int:
    org = actor.organization
    declined = list(requests.select_for_update(of=("self",)).filter(status=Status.OPEN).select_related("mentee"))
    now = timezone.now()
    for request in declined:
        request.status, request.response, request.answered_at = Status.DECLINED, message[:300], now
        request.save(update_fields=["status", "response", "answered_at"])
        _notify(org, request.mentee, f"{actor.display_name} declined your session request",
                f"For {_local(request.start, request.mentee)}: “{message}”", _requests_link(org))
    return len(declined)


# --- Requests --------------------------------------------------------------------------------

def _sessions_in_program_week(listing: MentorListing, start: datetime) -> int:
    week_start, week_end = iso_week_bounds(start, listing.membership.time_zone)
    return MentoringSession.objects.for_org(listing.organization).filter(
        mentor=listing.membership, program=listing.program, start__gte=week_start, start__lt=week_end,
    ).exclude(status=MentoringSession.Status.CANCELLED).count()


def _check_capacity(listing: MentorListing, start: datetime) -> None:
    if _sessions_in_program_week(listing, start) >= listing.weekly_capacity:
        raise DomainError(f"{listing.membership.display_name} offers {listing.weekly_capacity} session"
                          f"{'s' if listing.weekly_capacity != 1 else ''} a week in {listing.program.name} and "
                          f"that week is full; pick a slot in another week.", field="start")


def _require_taking_requests(listing: MentorListing) -> None:
    if not listing.is_available or not listing.membership.is_active:
        raise DomainError(f"{listing.membership.display_name} is not taking requests now"
                          f"{': ' + listing.unavailable_message if listing.unavailable_message else '.'}",
                          field="listing")


def session_request_create(*, actor: Membership, listing: MentorListing, start: datetime, minutes: int,
                           note: str = "", now: datetime | None = None) -> SessionRequest:
    """A mentee asks a listed mentor for one of the slots the directory offers them."""
    require_role(actor, "mentee")
    org = actor.organization
    if listing is None or listing.organization_id != org.pk:
        raise DomainError("Pick a mentor listed in this organisation.", field="listing")
    listing = MentorListing.objects.for_org(org).select_related("membership", "program").get(pk=listing.pk)
    mentor = listing.membership
    mentor.organization = org
    if mentor.pk == actor.pk:
        raise DomainError("You cannot request a session with yourself.", field="listing")
    _require_taking_requests(listing)
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError("Keep the note under 500 characters.", field="note")
    if not isinstance(start, datetime) or timezone.is_naive(start):
        raise DomainError("Pick one of the offered times.", field="start")
    offered = slot_suggestions(org=org, mentor=mentor, mentee=actor, minutes=minutes, now=now,
                               days=REQUEST_DAYS, limit=None)
    if start not in {slot.start_utc for slot in offered}:
        raise DomainError("That time is no longer free for both of you; pick one of the offered times.",
                          field="start")
    _check_capacity(listing, start)
    balance = timebank_balance(actor)
    if balance < minutes:
        raise DomainError(f"You have {balance} time-bank minutes; a {minutes}-minute session needs {minutes}. "
                          f"Give a session as a mentor to earn more, or ask a program manager.", field="minutes")
    try:
        with transaction.atomic():
            # Under the listing's lock: a mentor going unavailable meanwhile declines this one too, or
            # this one sees the listing closed.
            locked = MentorListing.objects.for_org(org).select_for_update().get(pk=listing.pk)
            locked.membership = mentor
            _require_taking_requests(locked)
            request = SessionRequest.objects.for_org(org).create(
                organization=org, program=listing.program, mentor=mentor, mentee=actor, start=start,
                minutes=minutes, note=note)
            _notify(org, mentor, f"{actor.display_name} requests a {minutes}-minute session",
                    f"{_local(start, mentor)}" + (f": “{note}”" if note else "."), _requests_link(org))
    except IntegrityError:
        raise Conflict("You already asked for this time; wait for the answer.", field="start") from None
    return request


def _lock_open_request(actor: Membership, request: SessionRequest) -> SessionRequest:
    request = SessionRequest.objects.for_org(actor.organization).select_for_update().get(pk=request.pk)
    if request.status != Status.OPEN:
        raise Conflict(f"This request is already {request.get_status_display().lower()}.")
    return request


def _require_mentor_of(actor: Membership, request: SessionRequest) -> None:
    if actor is None or not actor.is_active or actor.pk != request.mentor_id:
        raise NotPermitted("Only the mentor asked can answer this request.")


def session_request_accept(*, actor: Membership, request: SessionRequest,
                           now: datetime | None = None) -> SessionRequest:
    """Book the requested slot; the mentee pays it from the time-bank. A
    refused booking (balance, caps, the time taken meanwhile) leaves the
    request open and says why."""
    _require_mentor_of(actor, request)
    org = actor.organization
    with transaction.atomic():
        request = _lock_open_request(actor, request)
        listing = MentorListing.objects.for_org(org).select_related("membership", "program") \
            .filter(program=request.program_id, membership=actor).first()
        if listing is not None:
            _check_capacity(listing, request.start)
        mentee = Membership.objects.for_org(org).get(pk=request.mentee_id)
        session = session_book(actor=actor, mentor=actor, mentee=mentee, start=request.start,
                               minutes=request.minutes, program=request.program, now=now)
        request.status, request.session, request.answered_at = Status.ACCEPTED, session, timezone.now()
        request.save(update_fields=["status", "session", "answered_at"])
        _notify(org, mentee, f"{actor.display_name} accepted your session request",
                f"Booked for {_local(session.start, mentee)}; {request.minutes} minutes came off your time-bank.",
                reverse("session_detail", args=[org.slug, session.pk]))
    return request


@transaction.atomic
def session_request_decline(*, actor: Membership, request: SessionRequest, message: str) -> SessionRequest:
    _require_mentor_of(actor, request)
    message = (message or "").strip()
    if not message:
        raise DomainError("Add a short message for the mentee (e.g. another week works better).", field="message")
    if len(message) > 300:
        raise DomainError("Keep the message under 300 characters.", field="message")
    request = _lock_open_request(actor, request)
    _decline_open(actor, SessionRequest.objects.for_org(actor.organization).filter(pk=request.pk), message)
    request.refresh_from_db()
    return request


@transaction.atomic
def session_request_withdraw(*, actor: Membership, request: SessionRequest) -> SessionRequest:
    if actor is None or actor.pk != request.mentee_id:
        raise NotPermitted("Only the mentee who asked can withdraw this request.")
    request = _lock_open_request(actor, request)
    request.status, request.answered_at = Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "answered_at"])
    return request
