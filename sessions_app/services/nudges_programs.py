"""Nudges about programs: a quiet mentee (no session in 14 days, with two
suggested slots bookable in one click), a stalled pair (21 days, to the
managers) and a mentor carrying too much (to the managers).

The sweeps share ``services.nudges_sweeps._sweep``: candidates stream from one query,
recipients' windows load per batch, nudges go in with INSERT … ON CONFLICT DO
NOTHING. The occurrence (``period``) of a quiet mentee or a stalled pair is the
date its quiet spell began (the last session, else the cohort's start): one
nudge per spell, a new one only after they met and fell quiet again. Mentor load
is once per mentor per ISO week.
"""

from __future__ import annotations

import statistics
import zoneinfo
from collections import Counter
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.urls import reverse

from mentoring.errors import DomainError
from mentoring.models import Membership, Organization
from mentoring.models_programs import Cohort, Pair

from ..models import MentoringSession, Nudge, NudgeKind, NudgePreference
from ..selectors.availability import slot_suggestions
from ..weeks import iso_week_bounds

QUIET_MENTEE = timedelta(days=14)
STALLED_PAIR = timedelta(days=21)
LOAD_WINDOW = timedelta(weeks=4)
LOAD_FACTOR = 2  # a mentor with more than this × the median of mentors' held sessions is flagged
SUGGESTED_SLOTS = 2
SLOT_SALT = "touchpoint.nudges.suggested-slot"
SLOT_MAX_AGE = timedelta(days=14)
LINK_MAX = 500  # Notification.link
PROGRAM_KINDS = (NudgeKind.NO_SESSION_14D, NudgeKind.STALLED_PAIR, NudgeKind.MENTOR_LOAD)
NOT_CANCELLED = ~Q(status=MentoringSession.Status.CANCELLED)


def _org_today(org: Organization, now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def _org_midnight(org: Organization, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(org.time_zone))


def active_pairs(org: Organization, now: datetime):
    """Pairs of published cohorts within their dates, both people still active."""
    today = _org_today(org, now)
    return Pair.objects.for_org(org).filter(
        cohort__status=Cohort.Status.PUBLISHED, cohort__starts_on__lte=today, cohort__ends_on__gte=today,
        mentee__membership__is_active=True, mentor__membership__is_active=True)


def _spell_start(org: Organization, row: dict) -> datetime:
    """When the quiet spell began: the last session, else the cohort's start or publication."""
    anchors = [_org_midnight(org, row["starts_on"])]
    if row.get("published_at"):
        anchors.append(row["published_at"])
    if row.get("last_start"):
        anchors.append(row["last_start"])
    return max(anchors)


# --- Sweeps ----------------------------------------------------------------------------------------

def nudge_sweep_quiet_mentees(*, org: Organization, now: datetime) -> int:
    """Mentees of active pairs with no held or booked session (with anyone) in
    14 days -> the mentee, once per quiet spell, with two suggested slots."""
    from .nudges_sweeps import _opted_out, _rows, _sweep

    kind, since = NudgeKind.NO_SESSION_14D, now - QUIET_MENTEE
    sessions = MentoringSession.objects.for_org(org).filter(NOT_CANCELLED, mentee=OuterRef("mentee__membership"))
    pairs = active_pairs(org, now).filter(
        cohort__starts_on__lte=_org_today(org, now) - QUIET_MENTEE, cohort__published_at__lte=since,
    ).exclude(Exists(sessions.filter(start__gte=since))).exclude(_opted_out(org, kind, "mentee__membership"))
    rows = _rows(pairs, "mentee__membership", starts_on=F("cohort__starts_on"),
                 published_at=F("cohort__published_at"), mentor_name=F("mentor__membership__display_name"),
                 last_start=Subquery(sessions.filter(start__lt=now).order_by().values("mentee")
                                     .annotate(last=Max("start")).values("last")[:1]))

    def make(row, local_today):
        spell = _spell_start(org, row)
        return spell.date().isoformat(), spell + QUIET_MENTEE, {
            "mentor": row["mentor_name"], "since": spell.isoformat()}

    return _sweep(org, kind, "pair", rows, now, make)


def nudge_sweep_stalled_pairs(*, org: Organization, now: datetime) -> int:
    """Active pairs that have not met (no held or booked session between them)
    in 21 days -> every active manager, once per quiet spell."""
    from .nudges_sweeps import _sweep

    kind, since = NudgeKind.STALLED_PAIR, now - STALLED_PAIR
    between = MentoringSession.objects.for_org(org).filter(
        NOT_CANCELLED, mentor=OuterRef("mentor__membership"), mentee=OuterRef("mentee__membership"))
    pairs = active_pairs(org, now).filter(
        cohort__starts_on__lte=_org_today(org, now) - STALLED_PAIR, cohort__published_at__lte=since,
    ).exclude(Exists(between.filter(start__gte=since))).values(
        "pk", starts_on=F("cohort__starts_on"), published_at=F("cohort__published_at"),
        mentor_name=F("mentor__membership__display_name"), mentee_name=F("mentee__membership__display_name"),
        cohort_name=F("cohort__name"),
        last_start=Subquery(between.filter(start__lt=now).order_by().values("mentor")
                            .annotate(last=Max("start")).values("last")[:1]),
    ).order_by("pk").iterator(chunk_size=2000)

    def make(row, local_today):
        spell = _spell_start(org, row)
        return spell.date().isoformat(), spell + STALLED_PAIR, {
            "mentor": row["mentor_name"], "mentee": row["mentee_name"], "cohort": row["cohort_name"],
            "since": spell.isoformat()}

    return _sweep(org, kind, "pair", _to_managers(org, kind, pairs), now, make)


def nudge_sweep_mentor_load(*, org: Organization, now: datetime) -> int:
    """Mentors over their weekly cap, or with more than twice the median of
    mentors' held sessions in the last 4 weeks -> every active manager, once a week."""
    from .nudges_sweeps import _sweep

    kind = NudgeKind.MENTOR_LOAD
    loads = [load for load in mentor_loads(org, now) if load["reasons"]]

    def make(row, local_today):
        week = iso_week_bounds(now, row["mentor_tz"])[0].astimezone(zoneinfo.ZoneInfo(row["mentor_tz"]))
        year, number, _ = week.date().isocalendar()
        payload = {key: row[key] for key in ("mentor", "week_count", "cap", "held", "median", "reasons")}
        return f"{year}-W{number:02d}", now, payload

    rows = ({**load, "pk": load["mentor_id"]} for load in loads)
    return _sweep(org, kind, "membership", _to_managers(org, kind, rows), now, make)


def mentor_loads(org: Organization, now: datetime, *, mentor_id=None) -> list[dict]:
    """Per active mentor: sessions this ISO week (their zone, not cancelled)
    against the cap, held sessions in the last 4 weeks against the median of the
    mentors who held any, and the reasons to worry (three queries)."""
    held = dict(MentoringSession.objects.for_org(org).filter(
        status=MentoringSession.Status.DONE, start__gte=now - LOAD_WINDOW, start__lt=now,
    ).values("mentor").annotate(n=Count("pk")).values_list("mentor", "n"))
    median = statistics.median(held.values()) if held else 0
    mentors = Membership.objects.for_org(org).filter(is_mentor=True, is_active=True)
    if mentor_id is not None:
        mentors = mentors.filter(pk=mentor_id)
    mentors = list(mentors.values("pk", "display_name", "time_zone"))
    week_starts = Counter()
    bounds = {m["pk"]: iso_week_bounds(now, m["time_zone"]) for m in mentors}
    for mentor, start in MentoringSession.objects.for_org(org).filter(
            NOT_CANCELLED, mentor__in=list(bounds), start__gte=now - timedelta(days=8),
            start__lt=now + timedelta(days=8)).values_list("mentor", "start"):
        lo, hi = bounds[mentor]
        if lo <= start < hi:
            week_starts[mentor] += 1
    cap, loads = org.mentor_weekly_cap, []
    for mentor in mentors:
        count, done = week_starts[mentor["pk"]], held.get(mentor["pk"], 0)
        reasons = []
        if count > cap:
            reasons.append(f"{count} sessions this week, over the cap of {cap}")
        if median and done > LOAD_FACTOR * median:
            reasons.append(f"{done} sessions held in 4 weeks, more than {LOAD_FACTOR}× the median of {median:g}")
        loads.append({"mentor_id": mentor["pk"], "mentor": mentor["display_name"], "mentor_tz": mentor["time_zone"],
                      "week_count": count, "cap": cap, "held": done, "median": median, "reasons": reasons})
    return loads


def _to_managers(org: Organization, kind: str, subjects):
    """Each subject row once per active manager who has not switched this kind off (one query)."""
    opted_out = NudgePreference.objects.for_org(org).filter(kind=kind, email=False, in_app=False)
    managers = list(Membership.objects.for_org(org).filter(is_manager=True, is_active=True)
                    .exclude(Exists(opted_out.filter(membership=OuterRef("pk"))))
                    .values("pk", "time_zone", "working_hours_start", "working_hours_end"))
    for row in subjects:
        for manager in managers:
            yield {**row, "subject": row["pk"], "recipient": manager["pk"], "tz": manager["time_zone"],
                   "hours_start": manager["working_hours_start"], "hours_end": manager["working_hours_end"]}


# --- Relevance at delivery and messages ---------------------------------------------------------------

def program_cancel_reason(nudge: Nudge) -> str | None:
    """Why a program nudge no longer applies, or None."""
    from django.utils import timezone

    org, now = nudge.organization, timezone.now()
    if nudge.kind == NudgeKind.MENTOR_LOAD:  # still true of the week (and 4 weeks) it was about?
        (load,) = mentor_loads(org, nudge.due_at, mentor_id=nudge.subject_id) or [{"reasons": []}]
        return None if load["reasons"] else "mentor load back within bounds"
    pair = active_pairs(org, now).filter(pk=nudge.subject_id).select_related(
        "mentor__membership", "mentee__membership").first()
    if pair is None:
        return "pair no longer active"
    since = datetime.fromisoformat(nudge.payload["since"])
    sessions = MentoringSession.objects.for_org(org).filter(NOT_CANCELLED, start__gt=since,
                                                            mentee=pair.mentee.membership)
    if nudge.kind == NudgeKind.STALLED_PAIR:
        sessions = sessions.filter(mentor=pair.mentor.membership)
    return "a session was booked" if sessions.exists() else None


def program_message(nudge: Nudge) -> tuple[str, str, str]:
    slug, payload = nudge.organization.slug, nudge.payload
    if nudge.kind == NudgeKind.NO_SESSION_14D:
        found = suggested_slots(nudge)
        path = reverse("book_suggested", kwargs={"org_slug": slug})
        if not found:
            return (f"Time for a session with {payload['mentor']}?",
                    f"You and {payload['mentor']} have not met for two weeks. Pick a time that suits you both.",
                    reverse("book", kwargs={"org_slug": slug}))
        tz = zoneinfo.ZoneInfo(nudge.recipient.time_zone)
        times = " or ".join(f"{slot.start_utc.astimezone(tz):%a %d %b, %H:%M}" for slot in found)
        link = path + "?" + "&".join(f"slot={token}" for token, _ in slot_links(nudge, found))
        return (f"Time for a session with {payload['mentor']}?",
                f"You and {payload['mentor']} have not met for two weeks. Free for you both: {times} "
                f"({nudge.recipient.time_zone}). One click books either.",
                link if len(link) <= LINK_MAX else reverse("book", kwargs={"org_slug": slug}))
    if nudge.kind == NudgeKind.STALLED_PAIR:
        return (f"Stalled pair: {payload['mentee']} and {payload['mentor']}",
                f"{payload['mentee']} and {payload['mentor']} ({payload['cohort']}) have not met in 21 days. "
                f"A nudge or a new pairing may help.",
                reverse("program_list", kwargs={"org_slug": slug}))
    return (f"{payload['mentor']} is carrying a lot of mentoring",
            f"{payload['mentor']}: {'; '.join(payload['reasons'])}. Consider spreading the load.",
            reverse("people_list", kwargs={"org_slug": slug}) + f"?q={payload['mentor']}")


def program_actions(nudge: Nudge) -> list[tuple[str, str]]:
    """Extra one-click links for the email: one per suggested slot."""
    if nudge.kind != NudgeKind.NO_SESSION_14D:
        return []
    tz = zoneinfo.ZoneInfo(nudge.recipient.time_zone)
    path = reverse("book_suggested", kwargs={"org_slug": nudge.organization.slug})
    return [(f"Book {slot.start_utc.astimezone(tz):%a %d %b, %H:%M}", f"{path}?slot={token}")
            for token, slot in slot_links(nudge, suggested_slots(nudge))]


def suggested_slots(nudge: Nudge) -> list:
    """Two slots from the slot engine for the quiet mentee and their mentor
    (computed once per delivery, at delivery: fresher than at the sweep)."""
    if not hasattr(nudge, "_suggested"):
        org = nudge.organization
        pair = Pair.objects.for_org(org).select_related("mentor__membership", "mentee__membership") \
            .filter(pk=nudge.subject_id).first()
        found = []
        if pair is not None:
            try:
                found = slot_suggestions(org=org, mentor=pair.mentor.membership, mentee=pair.mentee.membership,
                                         minutes=org.session_max_minutes, limit=SUGGESTED_SLOTS,
                                         viewer=nudge.recipient)
            except DomainError:  # e.g. the mentor lost the role meanwhile: the message falls back to booking
                found = []
        nudge._suggested = (pair, found)
    return nudge._suggested[1]


def slot_links(nudge: Nudge, found) -> list[tuple[str, object]]:
    pair = nudge._suggested[0]
    minutes = nudge.organization.session_max_minutes
    return [(slot_token(mentor=pair.mentor.membership, mentee=pair.mentee.membership, start=slot.start_utc,
                        minutes=minutes), slot) for slot in found]


def slot_token(*, mentor: Membership, mentee: Membership, start: datetime, minutes: int) -> str:
    """A signed suggestion (who, when, how long): the page shows it and books it with one POST.
    Compact (two fit in a notification's link); the org is the URL's, the people are looked up in it."""
    return signing.dumps([mentor.pk.hex, mentee.pk.hex, int(start.timestamp()), minutes], salt=SLOT_SALT)


def slot_from_token(*, org: Organization, token: str) -> dict:
    """{mentor, mentee, start, minutes} of a suggestion of this org; DomainError when forged, stale or foreign."""
    try:
        mentor_id, mentee_id, start, minutes = signing.loads(token, salt=SLOT_SALT, max_age=SLOT_MAX_AGE)
        people = {m.pk.hex: m for m in Membership.objects.for_org(org).filter(pk__in=[mentor_id, mentee_id])}
        return {"mentor": people[mentor_id], "mentee": people[mentee_id],
                "start": datetime.fromtimestamp(int(start), tz=dt_timezone.utc), "minutes": int(minutes)}
    except (signing.BadSignature, KeyError, TypeError, ValueError, ValidationError):
        raise DomainError("This suggested time is not valid any more; pick another one.", field="slot") from None
