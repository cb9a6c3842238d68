"""iCalendar rendering of session invites and member feeds (pure: no Django,
no database; callers pass plain values).

Instants are written in UTC (``DTSTART:…Z``), which every client reads right
across DST changes without a VTIMEZONE; the sender shows local times in the
email body instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from icalendar import Calendar, Event, Todo, vCalAddress

PRODID = "-//Touchpoint//Micro-mentoring//EN"
METHODS = ("REQUEST", "CANCEL")


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class SessionEvent:
    """What a calendar needs to know about one mentoring session."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    mentor: Person
    mentee: Person
    cancelled: bool = False
    prompts: tuple[str, ...] = ()
    url: str = ""

    @property
    def summary(self) -> str:
        return f"Touchpoint: {self.mentor.name} ↔ {self.mentee.name}"

    @property
    def description(self) -> str:
        parts = []
        if self.prompts:
            parts.append("Agenda:\n" + "\n".join(f"- {prompt}" for prompt in self.prompts))
        if self.url:
            parts.append(f"Open in Touchpoint: {self.url}")
        return "\n\n".join(parts)


@dataclass(frozen=True)
class NextStepTodo:
    uid: str
    sequence: int
    title: str
    due: date
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class Feed:
    uid: str
    name: str
    events: list[SessionEvent] = field(default_factory=list)
    todos: list[NextStepTodo] = field(default_factory=list)


def session_uid(session_id) -> str:
    """Stable across reschedules and cancellation, so clients update one event."""
    return f"{session_id}@touchpoint"


def next_step_uid(step_id) -> str:
    return f"next-step-{step_id}@touchpoint"


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("Calendar instants must be timezone-aware.")
    return instant.astimezone(timezone.utc)


def _event(item: SessionEvent, stamp: datetime, organizer: Person | None) -> Event:
    kwargs = {}
    if organizer is not None:
        # Touchpoint organises; both people attend. Replies are not processed,
        # hence RSVP=FALSE.
        kwargs["organizer"] = vCalAddress.new(organizer.email, cn=organizer.name)
        kwargs["attendees"] = [
            vCalAddress.new(person.email, cn=person.name, role="REQ-PARTICIPANT", partstat="ACCEPTED", rsvp=False)
            for person in (item.mentor, item.mentee)
        ]
    return Event.new(
        uid=item.uid, sequence=item.sequence, stamp=_utc(stamp),
        start=_utc(item.start), end=_utc(item.end), summary=item.summary,
        description=item.description or None, url=item.url or None,
        status="CANCELLED" if item.cancelled else "CONFIRMED", **kwargs)


def render_invite(item: SessionEvent, *, method: str, organizer: Person, stamp: datetime) -> bytes:
    """An iTIP message (RFC 5546): METHOD:REQUEST for a new or moved session,
    METHOD:CANCEL (with STATUS:CANCELLED) for a cancelled one."""
    if method not in METHODS:
        raise ValueError(f"Unknown iTIP method {method!r}")
    calendar = Calendar.new(prodid=PRODID, method=method, uid=f"invite-{item.uid}")
    calendar.add_component(_event(item, stamp, organizer))
    return calendar.to_ical()


def render_feed(feed: Feed, *, stamp: datetime) -> bytes:
    """A subscribable calendar: a VEVENT per session, a VTODO per open next step.
    No METHOD: a feed is published data, not a scheduling message."""
    calendar = Calendar.new(prodid=PRODID, name=feed.name, uid=feed.uid)
    for item in feed.events:
        calendar.add_component(_event(item, stamp, organizer=None))
    for step in feed.todos:
        todo = Todo.new(uid=step.uid, sequence=step.sequence, stamp=_utc(stamp), summary=step.title,
                        status="NEEDS-ACTION", description=step.description or None, url=step.url or None)
        todo.add("due", step.due)  # a DATE: next steps are due on a day, not at an instant
        calendar.add_component(todo)
    return calendar.to_ical()
