"""``/calendar/<secret>.ics``: a member's subscribable calendar. The secret in
the URL is the credential (calendar apps cannot sign in), so there is no
session or login; an unknown or rotated secret is a plain 404."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mentoring.models import Membership

from . import ical
from .models import CalendarFeed, MentoringSession, NextStep
from .services.booking import calendar_event, session_link

FEED_HISTORY = timedelta(days=30)


def feed_calendar(membership: Membership, now: datetime) -> ical.Feed:
    """The member's sessions (both roles) from 30 days ago on, cancelled ones
    included so clients drop them, and their open next steps. Two queries
    whatever the number of rows; notes are never read."""
    org = membership.organization
    sessions = MentoringSession.objects.for_org(org).filter(
        Q(mentor=membership) | Q(mentee=membership), start__gte=now - FEED_HISTORY,
    ).select_related("mentor", "mentee", "agenda")
    steps = NextStep.objects.for_org(org).filter(owner=membership, done_at__isnull=True) \
        .select_related("session__mentor", "session__mentee")
    link = session_link(org)
    return ical.Feed(
        uid=f"feed-{membership.pk}@touchpoint", name=f"Touchpoint — {membership.display_name} ({org.name})",
        events=[calendar_event(session, org) for session in sessions],
        todos=[ical.NextStepTodo(
            uid=ical.next_step_uid(step.pk), sequence=step.sequence, title=step.title, due=step.due_date,
            description=f"Agreed with {_other(step.session, membership).display_name}.", url=link)
            for step in steps])


def _other(session: MentoringSession, membership: Membership) -> Membership:
    return session.mentee if session.mentor_id == membership.pk else session.mentor


@require_GET
def calendar_feed_view(request, secret: str):
    feed = CalendarFeed.unscoped.select_related("membership__organization").filter(secret=secret).first()
    if feed is None or not feed.membership.is_active:
        raise Http404("No such calendar.")
    now = timezone.now()
    body = ical.render_feed(feed_calendar(feed.membership, now), stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="touchpoint.ics"'
    return response
