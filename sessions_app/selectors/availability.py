"""People's availability, loaded from the database for slot suggestions.

The arithmetic lives in ``sessions_app.slots`` (pure); this module only loads
what it needs — in a fixed number of queries, however many days, windows, busy
times or sessions there are — and checks the request against org policy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta

from django.db.models import BooleanField, Q, Value
from django.utils import timezone

from mentoring.errors import DomainError
from mentoring.models import Membership, Organization

from .. import slots
from ..models import BusyTime, FocusBlock, MentoringSession, TimeClaim, WorkingWindow
from ..weeks import iso_week_bounds
from .caps import weekly_cap

MAX_DAYS = 28
WORKDAYS = range(5)  # Monday–Friday, when a person declared no working windows
# Busy times just outside the horizon still push the buffer and a day's edges around.
MARGIN = timedelta(days=1)


def person_availability(org: Organization, membership: Membership, start: datetime, end: datetime, *,
                        role: str | None = None, label: str = "the") -> slots.PersonAvailability:
    """One person's windows, focus blocks and busy intervals (external busy
    times and their sessions in any role) around [start, end); with ``role``
    ("mentor"/"mentee") also their weekly counts in that role and its cap."""
    return _load(org, [(membership, role, label)], start, end)[0]


def slot_suggestions(*, org: Organization, mentor: Membership, mentee: Membership, minutes: int,
                     now: datetime | None = None, days: int = 14, limit: int | None = 20,
                     viewer: Membership | None = None) -> list[slots.Slot]:
    """Ranked session slots for a mentor–mentee pair over the next ``days``.

    Reasons speak to ``viewer`` ("right after your focus block") and name the other person."""
    _check_request(org, mentor, mentee, minutes, days)
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise DomainError("Give the current time with a time zone.", field="now")
    horizon = now + timedelta(days=days)

    def label(person: Membership) -> str:
        return "your" if viewer is not None and viewer.pk == person.pk else f"{person.display_name}'s"

    mentor_av, mentee_av = _load(org, [(mentor, "mentor", label(mentor)), (mentee, "mentee", label(mentee))],
                                 now, horizon)
    return slots.suggest(mentor=mentor_av, mentee=mentee_av, minutes=minutes, now=now, days=days, limit=limit)


def next_free_slots(*, org: Organization, viewer: Membership, mentors: Sequence[Membership], minutes: int,
                    now: datetime | None = None, days: int = 14) -> dict:
    """{mentor id: the earliest slot they and the viewer both have free, or None}
    for a page of directory mentors — the same arithmetic as ``slot_suggestions``,
    with everyone's availability loaded at once (five queries, however many
    mentors). A viewer who is not a mentee sees each mentor's own next free time."""
    now = now or timezone.now()
    horizon = now + timedelta(days=days)
    as_mentee = viewer.is_mentee and viewer.is_active
    people = [(mentor, "mentor", f"{mentor.display_name}'s") for mentor in mentors]
    loaded = _load(org, people + ([(viewer, "mentee", "your")] if as_mentee else []), now, horizon)
    other = loaded[-1] if as_mentee else slots.PersonAvailability(
        tz="UTC", working=[(day, time(0, 0), time(23, 59)) for day in range(7)])
    found = {}
    for mentor, available in zip(mentors, loaded[:len(mentors)]):
        if as_mentee and mentor.pk == viewer.pk:
            found[mentor.pk] = None
            continue
        offered = slots.suggest(mentor=available, mentee=other, minutes=minutes, now=now, days=days)
        found[mentor.pk] = min(offered, key=lambda slot: slot.start_utc) if offered else None
    return found


def _check_request(org: Organization, mentor: Membership, mentee: Membership, minutes, days) -> None:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes not in slots.ALLOWED_MINUTES:
        raise DomainError("A session lasts 15, 20, 25 or 30 minutes.", field="minutes")
    if not org.session_min_minutes <= minutes <= org.session_max_minutes:
        raise DomainError(f"Sessions in {org.name} last {org.session_min_minutes}–{org.session_max_minutes} "
                          f"minutes.", field="minutes")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise DomainError(f"Look between 1 and {MAX_DAYS} days ahead.", field="days")
    for person, role in ((mentor, "mentor"), (mentee, "mentee")):
        if person is None or person.organization_id != org.pk or not person.is_active \
                or not person.has_role(role):
            raise DomainError(f"Pick an active {role} of {org.name}.", field=role)
    if mentor.pk == mentee.pk:
        raise DomainError("A session needs two different people.", field="mentee")


def _load(org: Organization, people: Sequence[tuple[Membership, str | None, str]], start: datetime,
          end: datetime) -> list[slots.PersonAvailability]:
    """Three queries for any number of people: windows and focus blocks, busy
    times and time claims, and (for people with a role) their sessions' starts."""
    ids = [person.pk for person, _, _ in people]
    working, focus = _weekly(org, ids)
    busy = _intervals([BusyTime.objects.for_org(org), TimeClaim.objects.for_org(org).filter(active=True)],
                      ids, start - MARGIN, end + MARGIN)
    counts = _week_counts(org, [(p, role) for p, role, _ in people if role], start, end)

    loaded = []
    for person, role, label in people:
        windows = working.get(person.pk) or [
            (day, person.working_hours_start, person.working_hours_end) for day in WORKDAYS]
        cap = None
        if role:
            person.organization = org  # the same org (checked by the caller); spares weekly_cap a query
            cap = weekly_cap(person, role)
        loaded.append(slots.PersonAvailability(
            tz=person.time_zone, working=windows, focus=focus.get(person.pk, []),
            busy=busy.get(person.pk, []),
            week_counts=counts.get(person.pk, {}), cap=cap, label=label))
    return loaded


def _weekly(org: Organization, ids: list) -> tuple[dict, dict]:
    """Working windows and focus blocks per person, in one query (a UNION ALL)."""
    def rows(model, focus: bool):
        return (model.objects.for_org(org).filter(membership__in=ids).order_by()
                .annotate(is_focus=Value(focus, output_field=BooleanField()))
                .values_list("is_focus", "membership_id", "weekday", "start", "end"))

    working: dict = {}
    focus: dict = {}
    for is_focus, person_id, weekday, start, end in rows(WorkingWindow, False).union(
            rows(FocusBlock, True), all=True).order_by("weekday", "start"):
        (focus if is_focus else working).setdefault(person_id, []).append((weekday, start, end))
    return working, focus


def _intervals(querysets, ids: list, start: datetime, end: datetime) -> dict:
    """Busy intervals per person from several sources (a UNION ALL), by start."""
    parts = [queryset.filter(membership__in=ids, start__lt=end, end__gt=start).order_by()
             .values_list("membership_id", "start", "end") for queryset in querysets]
    by_person: dict = {}
    for person_id, lo, hi in parts[0].union(*parts[1:], all=True).order_by("start"):
        by_person.setdefault(person_id, []).append((lo, hi))
    return by_person


def _week_counts(org: Organization, people: list[tuple[Membership, str]], start: datetime,
                 end: datetime) -> dict:
    """Per person: {ISO week start: sessions in their role} for the weeks
    touching [start, end) — the same rule as ``caps.sessions_in_week``
    (non-cancelled, by start, week in the person's zone), in one query."""
    if not people:
        return {}
    weeks = {person.pk: (iso_week_bounds(start, person.time_zone)[0], iso_week_bounds(end, person.time_zone)[1])
             for person, _ in people}
    match = Q()
    for person, role in people:
        match |= Q(**{role: person})
    rows = MentoringSession.objects.for_org(org).filter(
        match, start__gte=min(lo for lo, _ in weeks.values()), start__lt=max(hi for _, hi in weeks.values())
    ).exclude(status=MentoringSession.Status.CANCELLED).values_list("mentor_id", "mentee_id", "start")

    counts: dict = {person.pk: Counter() for person, _ in people}
    for mentor_id, mentee_id, session_start in rows:
        for person, role in people:
            lo, hi = weeks[person.pk]
            if (mentor_id if role == "mentor" else mentee_id) == person.pk and lo <= session_start < hi:
                counts[person.pk][iso_week_bounds(session_start, person.time_zone)[0]] += 1
    return {person_id: dict(counter) for person_id, counter in counts.items()}


def slot_suggestions_for_move(*, session: MentoringSession, minutes: int, viewer: Membership | None = None,
                              now: datetime | None = None, days: int = 14,
                              limit: int | None = 20) -> list[slots.Slot]:
    """Slots to move ``session`` to: as ``slot_suggestions`` for its pair, except
    that the session itself neither blocks its own time nor counts against the
    caps of its week (booking's ``moving`` rule), so it can move within its week."""
    org, mentor, mentee = session.organization, session.mentor, session.mentee
    _check_request(org, mentor, mentee, minutes, days)
    now = now or timezone.now()
    horizon = now + timedelta(days=days)

    def label(person: Membership) -> str:
        return "your" if viewer is not None and viewer.pk == person.pk else f"{person.display_name}'s"

    loaded = _load(org, [(mentor, "mentor", label(mentor)), (mentee, "mentee", label(mentee))], now, horizon)
    moved = []
    for person, availability in zip((mentor, mentee), loaded):
        busy = list(availability.busy)
        if session.status == MentoringSession.Status.BOOKED and (session.start, session.end) in busy:
            busy.remove((session.start, session.end))  # its own claim (one; another equal one stays)
        counts = dict(availability.week_counts)
        week = iso_week_bounds(session.start, person.time_zone)[0]
        if session.status != MentoringSession.Status.CANCELLED and counts.get(week):
            counts[week] -= 1
        moved.append(replace(availability, busy=busy, week_counts=counts))
    return slots.suggest(mentor=moved[0], mentee=moved[1], minutes=minutes, now=now, days=days, limit=limit)
