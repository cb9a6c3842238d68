"""Weekly touch caps: the one definition used by slot suggestions and booking."""

from __future__ import annotations

from datetime import datetime

from mentoring.models import Membership

from ..models import MentoringSession
from ..weeks import iso_week_bounds


def sessions_in_week(*, person: Membership, role: str, instant: datetime) -> int:
    """Non-cancelled sessions where ``person`` is ``role`` ("mentor"/"mentee") in
    the ISO week containing ``instant``, in the person's time zone — across all
    their mentors/mentees and programs."""
    start, end = iso_week_bounds(instant, person.time_zone)
    return MentoringSession.objects.for_org(person.organization).filter(
        **{role: person}, start__gte=start, start__lt=end
    ).exclude(status=MentoringSession.Status.CANCELLED).count()


def weekly_cap(person: Membership, role: str) -> int:
    org = person.organization
    return org.mentee_weekly_cap if role == "mentee" else org.mentor_weekly_cap
