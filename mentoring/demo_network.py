"""The network model for ``manage.py seed_demo``: a network program with
listed mentors (the demo mentor among them), session requests (accepted,
declined and still open) and a time-bank ledger consistent with the seeded
session history (sessions_app/demo/).

The ledger is replayed in time order from the sessions, by the same rules as
``services_timebank``: every member starts with the org's grant; a mentor
earns the logged minutes of every logged session; some sessions with a listed
mentor were booked in the network program, and those spend the mentee's
minutes when booked (and refund them when cancelled) — only when the balance
covers them, so no balance ever dips below zero. Rows are written with COPY
(``sessions_app.demo._write``): a fixed number of queries per org.

Idempotent: the program and listings are created once; the ledger and the
requests only for an org whose session history was seeded in this run and
that has no ledger entries yet. Deterministic: one random stream per org.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F

from sessions_app.demo import _uuid, _write
from sessions_app.models import MentoringSession

from .models import MentorListing, Membership, Organization, Program, SessionRequest, TimeAccount, TimeEntry

PROGRAM_NAME = "Open mentoring network"
LISTED = 0.35             # share of internal mentors who list themselves
UNAVAILABLE = 0.1         # listed but away, with a message
NETWORK_SHARE = 0.3       # sessions with a listed mentor booked through the network (if the balance covers them)
ACCEPTED_REQUEST = 0.5    # network sessions that started as a directory request
DECLINED_PER_LISTING = 0.25
OPEN_PER_LISTING = 0.3
AWAY = ["On parental leave until March", "Heads down on the launch this month", "Travelling; back in two weeks"]
NOTES = ["Could we look at my design doc together?", "I'd like a second opinion on a hiring decision.",
         "Help me plan my first 90 days?", "Review of a tricky pull request.", "How do I prepare for the on-call?"]
DECLINES = ["That week is full; any slot next week works.", "Not my area — try someone from Data.",
            "Out that day, sorry! Please pick another time."]
UTC = dt_timezone.utc
COLUMNS_ACCOUNT = ("id", "organization", "membership", "balance_minutes", "granted_at", "updated_at")
COLUMNS_ENTRY = ("id", "organization", "account", "membership", "kind", "minutes", "balance_after", "session",
                 "reason", "actor", "created_at")
COLUMNS_REQUEST = ("id", "organization", "program", "mentor", "mentee", "start", "minutes", "note", "status",
                   "response", "session", "created_at", "answered_at")


@dataclass
class NetworkSummary:
    slug: str
    listings: int = 0
    network_sessions: int = 0
    entries: int = 0
    requests: int = 0
    seconds: float = 0.0


def seed(*, slugs: list[str], history_seeded: set[str], seed: int) -> list[NetworkSummary]:
    summaries = []
    for org_index, slug in enumerate(slugs):
        started = time.monotonic()
        with transaction.atomic():
            org = Organization.objects.get(slug=slug)
            summary = NetworkSummary(slug=slug)
            rng = random.Random(f"{seed}:{org_index}:network")
            program, listed = _program_and_listings(org, rng, summary)
            if slug in history_seeded and not TimeEntry.objects.for_org(org).exists():
                _ledger_and_requests(org, rng, program, listed, summary)
            summaries.append(summary)
        summary.seconds = time.monotonic() - started
    return summaries


def _program_and_listings(org, rng, summary) -> tuple[Program, dict]:
    program = Program.objects.for_org(org).filter(name=PROGRAM_NAME).first()
    if program is None:
        program = Program.objects.for_org(org).create(
            organization=org, name=PROGRAM_NAME, kind=Program.Kind.NETWORK,
            description="Ask any listed mentor for a 15–30 minute session; the time-bank keeps it fair.")
    listings = MentorListing.objects.for_org(org).filter(program=program)
    if not listings.exists():
        mentors = list(Membership.objects.for_org(org).filter(is_mentor=True, is_active=True, is_external=False)
                       .order_by("email").values_list("id", "email"))
        demo = f"mentor@{org.slug}.example"
        chosen = [(pid, email == demo) for pid, email in mentors if email == demo or rng.random() < LISTED]
        skills: dict = {}
        for pid, skill_id in Membership.skills.through.objects.filter(membership_id__in=[p for p, _ in chosen]) \
                .order_by("membership_id", "skill_id").values_list("membership_id", "skill_id"):
            skills.setdefault(pid, []).append(skill_id)
        rows, topics = [], []
        for pid, is_demo in chosen:
            away = rng.random() < UNAVAILABLE and not is_demo
            listing = MentorListing(id=_uuid(rng), organization=org, program=program, membership_id=pid,
                                    weekly_capacity=rng.choice([1, 2, 2, 3, 4]), is_available=not away,
                                    unavailable_message=rng.choice(AWAY) if away else "")
            rows.append(listing)
            topics += [MentorListing.topics.through(mentorlisting_id=listing.id, skill_id=skill_id)
                       for skill_id in skills.get(pid, [])[:3]]
        MentorListing.objects.for_org(org).bulk_create(rows, batch_size=2000)
        MentorListing.topics.through.objects.bulk_create(topics, batch_size=2000)
    listed = {str(pid): available for pid, available in listings.values_list("membership_id", "is_available")}
    summary.listings = len(listed)
    return program, listed


def _ledger_and_requests(org, rng, program, listed: dict, summary) -> None:
    names = dict(Membership.objects.for_org(org).values_list("id", "display_name"))
    names = {str(pid): name for pid, name in names.items()}
    # The length as an interval, not start and end: parsing aware datetimes dominates a large org's seed.
    sessions = MentoringSession.objects.for_org(org).order_by("created_at", "id").annotate(
        length=ExpressionWrapper(F("end") - F("start"), output_field=DurationField())).values_list(
        "id", "mentor_id", "mentee_id", "length", "status", "created_at", "cancelled_at", "logged_at",
        "actual_minutes")
    # Events in time order: (moment, order, kind, person, minutes, session, other person).
    events = []
    for sid, mentor, mentee, length, status, created, cancelled, logged, actual in sessions.iterator(chunk_size=5000):
        sid, mentor, mentee = str(sid), str(mentor), str(mentee)
        if mentor in listed and rng.random() < NETWORK_SHARE:
            minutes = int(length.total_seconds() // 60)
            events.append((created, 0, "spend", mentee, minutes, sid, mentor))
            if status == MentoringSession.Status.CANCELLED and cancelled is not None:
                events.append((cancelled, 1, "refund", mentee, minutes, sid, mentor))
        if status == MentoringSession.Status.DONE and actual:
            events.append((logged, 2, "earn", mentor, actual, sid, mentee))
    events.sort(key=lambda event: (event[0], event[1], event[5], event[2]))

    grant = org.timebank_starting_grant
    accounts: dict = {}   # person -> [account id, balance, granted at]
    entries, paid = [], {}
    for moment, _, kind, person, minutes, sid, other in events:
        if kind == "refund" and sid not in paid:
            continue
        account = accounts.get(person)
        if account is None:
            account = accounts[person] = [_uuid(rng), 0, moment - timedelta(minutes=1)]
            if grant:
                account[1] = grant
                entries.append((_uuid(rng), org.pk, account[0], person, "grant", grant, grant, None,
                                "Starting grant", None, account[2]))
        if kind == "spend":
            if account[1] < minutes:
                continue  # booked outside the network instead: the balance did not cover it
            paid[sid] = (person, other, minutes, moment)
            signed = -minutes
        else:
            signed = minutes
        account[1] += signed
        reason = "Session cancelled" if kind == "refund" else f"Session with {names.get(other, 'a colleague')}"
        entries.append((_uuid(rng), org.pk, account[0], person, kind, signed, account[1], sid, reason, None, moment))
    now = datetime.now(UTC)
    _write(org, TimeAccount, COLUMNS_ACCOUNT,
           [(aid, org.pk, person, balance, granted, now) for person, (aid, balance, granted) in accounts.items()])
    _write(org, TimeEntry, COLUMNS_ENTRY, entries)
    ids = list(paid)
    for i in range(0, len(ids), 5000):
        MentoringSession.objects.for_org(org).filter(pk__in=ids[i:i + 5000]).update(program=program)
    summary.network_sessions, summary.entries = len(paid), len(entries)
    summary.requests = _requests(org, rng, program, listed, paid)


def _requests(org, rng, program, listed: dict, paid: dict) -> int:
    """Accepted requests behind some network sessions, declined ones in the
    past, and open ones for the days after the seed date."""
    starts = {str(sid): (start, created) for sid, start, created in MentoringSession.objects.for_org(org)
              .filter(program=program).values_list("id", "start", "created_at")}
    rows, open_keys = [], set()
    for sid, (mentee, mentor, minutes, booked) in paid.items():
        if rng.random() < ACCEPTED_REQUEST:
            start, created = starts[sid]
            asked = created - timedelta(hours=rng.randint(2, 48))
            rows.append((_uuid(rng), org.pk, program.pk, mentor, mentee, start, minutes, rng.choice(NOTES),
                         "accepted", "", sid, asked, created))
    mentees = [str(pid) for pid in Membership.objects.for_org(org).filter(is_mentee=True, is_active=True)
               .order_by("email").values_list("id", flat=True)]
    anchor = org.created_at.astimezone(ZoneInfo(org.time_zone)).replace(hour=0, minute=0, second=0, microsecond=0)
    demo = dict(Membership.objects.for_org(org).filter(
        email__in=[f"mentor@{org.slug}.example", f"mentee@{org.slug}.example"]).values_list("email", "id"))
    demo_mentor = str(demo.get(f"mentor@{org.slug}.example"))
    demo_mentee = demo.get(f"mentee@{org.slug}.example")
    for mentor, available in sorted(listed.items()):
        candidates = [m for m in rng.sample(mentees, min(len(mentees), 4)) if m != mentor]
        if not candidates:
            continue
        for_demo = demo_mentee is not None and mentor == demo_mentor
        # The demo mentor always has one of each, so the demo shows every state.
        if for_demo or rng.random() < DECLINED_PER_LISTING:
            start = (anchor - timedelta(days=rng.randint(3, 40), hours=-rng.choice([9, 10, 14, 15])))
            answered = start - timedelta(days=rng.randint(1, 3))
            rows.append((_uuid(rng), org.pk, program.pk, mentor, candidates[0], start.astimezone(UTC), 30,
                         rng.choice(NOTES), "declined", rng.choice(DECLINES), None, answered - timedelta(hours=5),
                         answered))
        if for_demo or (available and rng.random() < OPEN_PER_LISTING):
            mentee = str(demo_mentee) if for_demo else candidates[-1]
            start = (anchor + timedelta(days=rng.randint(3, 12), hours=rng.choice([10, 11, 15]))).astimezone(UTC)
            if (mentor, mentee, start) in open_keys or mentee == mentor:
                continue
            open_keys.add((mentor, mentee, start))
            rows.append((_uuid(rng), org.pk, program.pk, mentor, mentee, start, 30, rng.choice(NOTES), "open", "",
                         None, anchor - timedelta(hours=rng.randint(1, 20)), None))
    _write(org, SessionRequest, COLUMNS_REQUEST, rows)
    return len(rows)

