"""Personal views: a member's own figures only (a mentor's load and their
mentees' next-step completion; a mentee's own progress)."""

from __future__ import annotations

import zoneinfo

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mentoring.views.base import org_view

from . import selectors_personal as sel


@org_view()
@require_http_methods(["GET"])
def my_progress(request, org, membership):
    tz = zoneinfo.ZoneInfo(membership.time_zone)  # the viewer's weeks and months
    now = timezone.now()
    today = now.astimezone(tz).date()
    context = {"is_mentor": membership.is_mentor, "is_mentee": membership.is_mentee}
    if membership.is_mentor:
        load = sel.mentor_load(member=membership, now=now, tz=tz)
        context.update(load=load, load_max=max((w["sessions"] for w in load), default=0),
                       load_total=sum(w["sessions"] for w in load),
                       mentees=sel.mentees_completion(member=membership, today=today),
                       weekly_cap=org.mentor_weekly_cap)
    if membership.is_mentee:
        context["progress"] = sel.mentee_progress(member=membership, now=now, tz=tz)
    return render(request, "metrics/personal/progress.html", context)
