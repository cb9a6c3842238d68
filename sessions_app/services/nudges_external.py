"""The trial_ending nudge (external mentors, issue 3): its sweep, why a
pending one is cancelled, and its message. Wired into ``services/nudges.py``
like the program kinds."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from mentoring.models import Membership, Organization

from ..models import Nudge, NudgeKind
from .nudges_sweeps import _opted_out, _sweep


def _trial_periods(terms, used: int, today: date) -> list[str]:
    """Which trial_ending occurrences are due: "<trial end>" from 7 days before
    the end (until it is over), "<trial end>#used" once the trial sessions are used up."""
    from mentoring.selectors_external import trial_state

    trial = trial_state(terms, used, today)
    end = terms.trial_ends_on.isoformat()
    periods = [end] if trial.ending_soon else []
    if trial.used_up and not trial.ended:
        periods.append(f"{end}#used")
    return periods


def nudge_sweep_trial_ending(*, org: Organization, now: datetime) -> int:
    """An external mentor's paid trial ends within 7 days, or its sessions are
    used up -> every active program manager, once per trial end date (and once
    more when the sessions are used up). Three queries whatever the numbers."""
    from mentoring.models_external import ExternalTerms
    from mentoring.selectors_external import TRIAL_WARNING_DAYS, trial_use

    kind = NudgeKind.TRIAL_ENDING
    today = now.astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()
    running = list(ExternalTerms.objects.for_org(org).filter(
        mentor__is_active=True, mentor__is_external=True, trial_ends_on__gte=today,
        trial_starts_on__lte=today + timedelta(days=TRIAL_WARNING_DAYS)).select_related("mentor"))
    used = trial_use(org, running)
    candidates = [(terms, used.get(terms.mentor_id, 0)) for terms in running]
    candidates = [(terms, n, _trial_periods(terms, n, today)) for terms, n in candidates]
    candidates = [(terms, n, periods) for terms, n, periods in candidates if periods]
    if not candidates:
        return 0
    managers = list(Membership.objects.for_org(org).filter(is_active=True, is_manager=True)
                    .exclude(_opted_out(org, kind, "pk")).values(
                        "pk", "time_zone", "working_hours_start", "working_hours_end"))
    rows = [{"subject": terms.pk, "recipient": m["pk"], "tz": m["time_zone"], "hours_start": m["working_hours_start"],
             "hours_end": m["working_hours_end"], "period": period, "mentor": terms.mentor.display_name,
             "ends": terms.trial_ends_on.isoformat(), "used": n, "size": terms.trial_sessions}
            for terms, n, periods in candidates for period in periods for m in managers]

    def make(row, local_today):
        payload = {key: row[key] for key in ("mentor", "ends", "used", "size")}
        return row["period"], now, payload

    return _sweep(org, kind, "external_terms", rows, now, make)


def trial_cancel_reason(nudge: Nudge) -> str | None:
    """Why a trial_ending nudge no longer applies, or None."""
    from mentoring.models_external import ExternalTerms

    org = nudge.organization
    terms = ExternalTerms.objects.for_org(org).filter(pk=nudge.subject_id, mentor__is_active=True,
                                                      mentor__is_external=True).first()
    if not nudge.recipient.is_manager:
        return "recipient no longer a program manager"
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()
    if terms is None or nudge.period.split("#")[0] != terms.trial_ends_on.isoformat() \
            or terms.trial_ends_on < today:
        return "trial changed or over"
    return None


def trial_message(nudge: Nudge) -> tuple[str, str, str]:
    """(title, body, path) of a trial_ending nudge."""
    slug, payload = nudge.organization.slug, nudge.payload
    ends = date.fromisoformat(payload["ends"])
    used = f"{payload['used']} of {payload['size']} trial session(s) used"
    path = reverse("external_mentors", kwargs={"org_slug": slug}) + f"#terms-{nudge.subject_id}"
    if nudge.period.endswith("#used"):
        return (f"Trial sessions used up: {payload['mentor']}",
                f"{payload['mentor']} has given all {payload['size']} paid-trial session(s); the trial runs until "
                f"{ends:%A %d %B}. Decide whether to continue the engagement.", path)
    return (f"Trial ending: {payload['mentor']}",
            f"The paid trial of {payload['mentor']} ends on {ends:%A %d %B} ({used}). Decide whether to "
            f"continue the engagement.", path)
