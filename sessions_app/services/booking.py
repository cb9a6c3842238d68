"""Booking, rescheduling and cancelling sessions; their invites; calendar feeds.

No double booking has two guards: a per-person row lock with an overlap check
here (clear messages, and the only guard on SQLite), and the Postgres exclusion
constraint on ``TimeClaim`` (migration 0002) that makes a slip impossible. The
weekly caps are guarded by the same per-person lock.
"""

from __future__ import annotations

import functools
import logging
import zoneinfo
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import Membership, Organization, Pair, Program
from mentoring.services_external import external_booking_check
from mentoring.services_timebank import timebank_applies, timebank_refund, timebank_spend

from .. import ical
from ..models import AgendaTemplate, CalendarFeed, MentoringSession, TimeClaim
from ..selectors.caps import sessions_in_week, weekly_cap
from ..weeks import iso_week_bounds, week_label

logger = logging.getLogger(__name__)

SESSION_LENGTHS = (15, 20, 25, 30)
NO_OVERLAP_CONSTRAINT = "claim_no_overlap_per_person"


# --- Checks ----------------------------------------------------------------------

def _require_booker(actor: Membership, mentor: Membership, mentee: Membership) -> None:
    if actor is None or not actor.is_active:
        raise NotPermitted("Only active members can book sessions.")
    if not (actor.is_manager or actor.pk in (mentor.pk, mentee.pk)):
        raise NotPermitted("Only the mentor, the mentee or a program manager can book this session.")


def _require_participant_or_manager(actor: Membership, session: MentoringSession) -> None:
    if actor is None or not actor.is_active or session.organization_id != actor.organization_id:
        raise NotPermitted("Only the two participants or a program manager can change this session.")
    if not (actor.is_manager or session.is_participant(actor)):
        raise NotPermitted("Only the two participants or a program manager can change this session.")


def _check_minutes(org: Organization, minutes) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes not in SESSION_LENGTHS:
        raise DomainError("A session lasts 15, 20, 25 or 30 minutes.", field="minutes")
    if not org.session_min_minutes <= minutes <= org.session_max_minutes:
        raise DomainError(f"Sessions in {org.name} last {org.session_min_minutes}–{org.session_max_minutes} "
                          f"minutes.", field="minutes")
    return minutes


def _check_start(start: datetime, now: datetime) -> None:
    if not isinstance(start, datetime) or timezone.is_naive(start):
        raise DomainError("Give the start as a date and time with a time zone.", field="start")
    if start <= now:
        raise DomainError("Pick a start time in the future.", field="start")
    if start.second or start.microsecond or start.astimezone(zoneinfo.ZoneInfo("UTC")).minute % 5:
        raise DomainError("Sessions start on a multiple of 5 minutes (e.g. 10:05).", field="start")


def _lock_people(org: Organization, *people: Membership) -> dict:
    """Lock both people's rows, always in pk order so two bookings that share
    people wait for each other instead of deadlocking. Everything that decides
    a booking (caps, overlaps) is read after the lock, so it sees every booking
    committed before. NO KEY UPDATE: bookers still queue behind each other,
    but rows that merely reference the person (sessions, claims) are not blocked."""
    locked = list(Membership.objects.for_org(org).select_for_update(no_key=True)
                  .filter(pk__in=[person.pk for person in people]).order_by("pk"))
    for person in locked:
        person.organization = org  # same org; spares a query per person
    return {person.pk: person for person in locked}


def _check_pair(org: Organization, mentor: Membership | None, mentee: Membership | None) -> None:
    if mentor is None or not mentor.is_active or not mentor.is_mentor:
        raise DomainError(f"Pick an active mentor of {org.name}.", field="mentor")
    if mentee is None or not mentee.is_active or not mentee.is_mentee:
        raise DomainError(f"Pick an active mentee of {org.name}.", field="mentee")
    if mentor.pk == mentee.pk:
        raise DomainError("A session needs two different people.", field="mentee")


def _sessions_that_week(person: Membership, role: str, start: datetime, moving: MentoringSession | None) -> int:
    count = sessions_in_week(person=person, role=role, instant=start)
    if moving is not None and getattr(moving, f"{role}_id") == person.pk:
        week_start, week_end = iso_week_bounds(start, person.time_zone)
        if week_start <= moving.start < week_end:
            count -= 1  # a session moved within its own week does not count twice
    return count


def _check_caps(mentor: Membership, mentee: Membership, start: datetime,
                moving: MentoringSession | None = None) -> None:
    for person, role in ((mentee, "mentee"), (mentor, "mentor")):
        cap = weekly_cap(person, role)
        if _sessions_that_week(person, role, start, moving) >= cap:
            sessions = "session" if cap == 1 else "sessions"
            as_role = " as a mentor" if role == "mentor" else ""
            raise DomainError(f"{person.display_name} already has {cap} {sessions}{as_role} in the week of "
                              f"{week_label(start, person.time_zone)}.", field="start")


def _when(start: datetime, end: datetime, tz_name: str) -> str:
    """“Tue 8 Dec, 10:00–10:30 (Europe/Berlin)” in that zone."""
    tz = zoneinfo.ZoneInfo(tz_name)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    return f"{local_start:%a} {local_start.day} {local_start:%b}, {local_start:%H:%M}–{local_end:%H:%M} ({tz_name})"


def _check_overlaps(org: Organization, people: list[Membership], start: datetime, end: datetime,
                    moving: MentoringSession | None = None) -> None:
    claims = TimeClaim.objects.for_org(org).filter(
        membership__in=people, active=True, start__lt=end, end__gt=start).order_by("start")
    if moving is not None:
        claims = claims.exclude(session=moving)
    clash = claims.first()
    if clash is not None:
        person = next(p for p in people if p.pk == clash.membership_id)
        raise DomainError(f"{person.display_name} already has a session then: "
                          f"{_when(clash.start, clash.end, person.time_zone)}.", field="start")


def _is_double_booking(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == NO_OVERLAP_CONSTRAINT or NO_OVERLAP_CONSTRAINT in str(error)


RACE_MESSAGE = "That time was just booked by someone else; pick another slot."


def _program_for(org: Organization, mentor: Membership, mentee: Membership, program: Program | None) -> Program | None:
    """The program a session is booked in: the one given (checked to be this
    org's), else the program of the pair's published cohort when exactly one
    such pair exists."""
    if program is not None:
        if program.organization_id != org.pk:
            raise DomainError("Pick a program of this organisation.", field="program")
        return program
    programs = set(Pair.objects.for_org(org).filter(
        mentee__membership=mentee, mentor__membership=mentor, cohort__status="published")
        .order_by().values_list("cohort__program_id", flat=True).distinct()[:2])
    if len(programs) != 1:
        return None
    return Program.objects.for_org(org).filter(pk=programs.pop()).first()


# --- Use cases ---------------------------------------------------------------------

def session_book(*, actor: Membership, mentor: Membership, mentee: Membership, start: datetime, minutes: int,
                 agenda: AgendaTemplate | None = None, program: Program | None = None,
                 now: datetime | None = None) -> MentoringSession:
    """Book a session. In a network program the mentee pays the minutes from
    the time-bank in the same transaction (refused when the balance is short)."""
    _require_booker(actor, mentor, mentee)
    org = actor.organization
    for person, name in ((mentor, "mentor"), (mentee, "mentee")):
        if person is None or person.organization_id != org.pk:
            raise DomainError(f"Pick a {name} of {org.name}.", field=name)
    if agenda is not None and agenda.organization_id != org.pk:
        raise DomainError("Pick an agenda of this organisation.", field="agenda")
    minutes = _check_minutes(org, minutes)
    _check_start(start, now or timezone.now())
    end = start + timedelta(minutes=minutes)
    program = _program_for(org, mentor, mentee, program)
    try:
        with transaction.atomic():
            locked = _lock_people(org, mentor, mentee)
            mentor, mentee = locked.get(mentor.pk), locked.get(mentee.pk)
            _check_pair(org, mentor, mentee)
            _check_caps(mentor, mentee, start)
            external_booking_check(org=org, mentor=mentor, start=start)  # agreement accepted, monthly cap
            _check_overlaps(org, [mentor, mentee], start, end)
            session = MentoringSession.objects.for_org(org).create(
                organization=org, mentor=mentor, mentee=mentee, start=start, end=end, agenda=agenda,
                booked_by=actor, program=program)
            if timebank_applies(program):
                timebank_spend(session=session)
            TimeClaim.objects.for_org(org).bulk_create([
                TimeClaim(organization=org, session=session, membership=person, start=start, end=end)
                for person in (mentor, mentee)])
            transaction.on_commit(functools.partial(send_session_invites, session.pk, "REQUEST"))
    except IntegrityError as error:
        if _is_double_booking(error):
            raise Conflict(RACE_MESSAGE, field="start") from None
        raise
    return session


def _lock_session(actor: Membership, session: MentoringSession) -> MentoringSession:
    session = MentoringSession.objects.for_org(actor.organization).select_for_update().get(pk=session.pk)
    if session.status != MentoringSession.Status.BOOKED:
        raise Conflict(f"This session is already {session.get_status_display().lower()}; it cannot change.")
    return session


def session_reschedule(*, actor: Membership, session: MentoringSession, start: datetime, minutes: int | None = None,
                       now: datetime | None = None) -> MentoringSession:
    _require_participant_or_manager(actor, session)
    org = actor.organization
    minutes = _check_minutes(org, session.minutes if minutes is None else minutes)
    _check_start(start, now or timezone.now())
    end = start + timedelta(minutes=minutes)
    try:
        with transaction.atomic():
            # People first, then the session: the same order as booking.
            locked = _lock_people(org, session.mentor, session.mentee)
            session = _lock_session(actor, session)
            mentor, mentee = locked[session.mentor_id], locked[session.mentee_id]
            if not (mentor.is_active and mentee.is_active):
                raise DomainError("Both people must still be active members to move this session.")
            if minutes != session.minutes and session.program_id is not None and timebank_applies(session.program):
                raise DomainError("This session was paid from the time-bank: move it at the same length, or "
                                  "cancel it (the minutes come back) and book again.", field="minutes")
            _check_caps(mentor, mentee, start, moving=session)
            external_booking_check(org=org, mentor=mentor, start=start, moving=session)  # monthly cap
            _check_overlaps(org, [mentor, mentee], start, end, moving=session)
            session.start, session.end = start, end
            session.sequence += 1
            session.save(update_fields=["start", "end", "sequence", "updated_at"])
            TimeClaim.objects.for_org(org).filter(session=session).update(start=start, end=end, active=True)
            transaction.on_commit(functools.partial(send_session_invites, session.pk, "REQUEST"))
    except IntegrityError as error:
        if _is_double_booking(error):
            raise Conflict(RACE_MESSAGE, field="start") from None
        raise
    return session


@transaction.atomic
def session_cancel(*, actor: Membership, session: MentoringSession, reason: str = "") -> MentoringSession:
    _require_participant_or_manager(actor, session)
    session = _lock_session(actor, session)
    session.status = MentoringSession.Status.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = (reason or "").strip()[:200]
    session.sequence += 1
    session.save(update_fields=["status", "cancelled_at", "cancel_reason", "sequence", "updated_at"])
    # Inactive claims free the time for other bookings (the constraint ignores them).
    TimeClaim.objects.for_org(actor.organization).filter(session=session).update(active=False)
    session.organization = actor.organization
    timebank_refund(session=session)
    transaction.on_commit(functools.partial(send_session_invites, session.pk, "CANCEL"))
    return session


# --- Invites ------------------------------------------------------------------------

def session_link(org: Organization) -> str:
    return settings.SITE_URL + reverse("org_home", args=[org.slug])


def calendar_event(session: MentoringSession, org: Organization) -> ical.SessionEvent:
    """The calendar view of a session (needs mentor, mentee, agenda loaded).
    Notes are never part of it: calendars are shared and synced elsewhere."""
    prompts = tuple(line.strip() for line in session.agenda.prompts.splitlines() if line.strip()) \
        if session.agenda else ()
    return ical.SessionEvent(
        uid=ical.session_uid(session.pk), sequence=session.sequence, start=session.start, end=session.end,
        mentor=ical.Person(session.mentor.email, session.mentor.display_name),
        mentee=ical.Person(session.mentee.email, session.mentee.display_name),
        cancelled=session.status == MentoringSession.Status.CANCELLED, prompts=prompts, url=session_link(org))


def _organizer() -> ical.Person:
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return ical.Person(email or "touchpoint@localhost", name or "Touchpoint")


def send_session_invites(session_id, method: str) -> int:
    """Email each participant the session with an .ics (iTIP ``method``).
    Runs after commit and takes an id so it can become a Celery task. A mail
    failure is logged, never raised: the booking stands. Returns mails sent."""
    session = MentoringSession.unscoped.select_related("organization", "mentor", "mentee", "agenda") \
        .filter(pk=session_id).first()
    if session is None:
        return 0
    event = calendar_event(session, session.organization)
    invite = ical.render_invite(event, method=method, organizer=_organizer(), stamp=timezone.now())
    template = "emails/session_cancelled" if method == "CANCEL" else "emails/session_invite"
    sent = 0
    for person, other in ((session.mentor, session.mentee), (session.mentee, session.mentor)):
        context = {"session": session, "person": person, "other": other, "org": session.organization,
                   "when": _when(session.start, session.end, person.time_zone),
                   "prompts": event.prompts, "url": event.url}
        verb = "Cancelled" if method == "CANCEL" else ("Moved" if session.sequence else "Booked")
        message = EmailMultiAlternatives(
            subject=f"[Touchpoint] {verb}: session with {other.display_name}, {context['when']}",
            body=render_to_string(f"{template}.txt", context), to=[person.email])
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.attach("session.ics", invite.decode(), f"text/calendar; method={method}")
        try:
            message.send()
            sent += 1
        except Exception:  # SMTP errors come in many classes
            logger.exception("Could not send the %s invite for session %s to %s", method, session.pk, person.email)
    return sent


# --- Calendar feeds ---------------------------------------------------------------------

def calendar_feed_for(membership: Membership) -> CalendarFeed:
    """The member's feed, created on first use."""
    feed, _ = CalendarFeed.objects.for_org(membership.organization).get_or_create(
        membership=membership, defaults={"organization": membership.organization})
    return feed


@transaction.atomic
def calendar_feed_rotate(*, actor: Membership) -> CalendarFeed:
    """A new secret: the old URL stops working at once (e.g. it leaked)."""
    feed = calendar_feed_for(actor)
    feed = CalendarFeed.objects.for_org(actor.organization).select_for_update().get(pk=feed.pk)
    feed.secret = CalendarFeed._meta.get_field("secret").get_default()
    feed.save(update_fields=["secret", "rotated_at"])
    return feed


def calendar_feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar_feed", args=[feed.secret])
