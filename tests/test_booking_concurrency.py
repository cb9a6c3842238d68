"""Booking under real concurrency on Postgres: threads, each with its own
connection, race for the same person. Exactly the allowed number win; the
others get a domain error (400/409), never an unexpected exception."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from mentoring.errors import Conflict, DomainError
from sessions_app.models import MentoringSession, TimeClaim
from sessions_app.services.booking import session_book
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


def run_in_parallel(calls) -> list:
    """Start all calls at once (a barrier), each in its own thread and DB
    connection; return each call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # recorded, judged by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def booker(mentor, mentee, start, minutes=30):
    return lambda: session_book(actor=mentee, mentor=mentor, mentee=mentee, start=start, minutes=minutes, now=NOW)


@pytest.fixture
def org():
    return OrganizationFactory(slug="race", name="Race", mentor_weekly_cap=40)


def test_eight_parallel_overlapping_bookings_for_one_mentor_give_exactly_one_session(org):
    mentor = MembershipFactory(organization=org, is_mentor=True, display_name="Otto Mentor")
    mentees = [MembershipFactory(organization=org, is_mentee=True) for _ in range(8)]
    base = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)
    # Starts 10:00, 10:05, 10:10: every pair of 30-minute slots overlaps.
    calls = [booker(mentor, mentee, base + timedelta(minutes=5 * (i % 3))) for i, mentee in enumerate(mentees)]

    outcomes = run_in_parallel(calls)

    wins = [o for o in outcomes if isinstance(o, MentoringSession)]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert (len(wins), len(refusals)) == (1, 7), outcomes
    assert TimeClaim.objects.for_org(org).filter(membership=mentor, active=True).count() == 1


def test_six_parallel_bookings_for_one_mentee_never_exceed_the_weekly_cap(org):
    mentee = MembershipFactory(organization=org, is_mentee=True, display_name="Mina Mentee")
    mentors = [MembershipFactory(organization=org, is_mentor=True) for _ in range(6)]
    # Six different mentors, six separate days of the week of 7 Dec: no overlaps.
    calls = [booker(mentor, mentee, datetime(2026, 12, 7 + i, 10, 0, tzinfo=BERLIN))
             for i, mentor in enumerate(mentors)]

    outcomes = run_in_parallel(calls)

    wins = [o for o in outcomes if isinstance(o, MentoringSession)]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert (len(wins), len(refusals)) == (2, 4), outcomes
    assert {r.first_message for r in refusals} == {"Mina Mentee already has 2 sessions in the week of 7 Dec."}
    assert MentoringSession.objects.for_org(org).filter(mentee=mentee).count() == 2


def test_a_claim_slipping_in_past_the_lock_makes_the_booking_a_conflict(org):
    """Something that writes a claim without the service's lock (another code
    path, a script) commits while a booking waits on the constraint: the
    booking must end as a 409 Conflict, not a 500."""
    mentor = MembershipFactory(organization=org, is_mentor=True, display_name="Otto Mentor")
    mentee, intruder_mentee = (MembershipFactory(organization=org, is_mentee=True) for _ in range(2))
    start = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)
    claim_written, release = threading.Event(), threading.Event()

    def intruder():
        try:
            with transaction.atomic():
                other = MentoringSession.unscoped.create(organization=org, mentor=mentor, mentee=intruder_mentee,
                                                         start=start, end=start + timedelta(minutes=30))
                TimeClaim.unscoped.create(organization=org, session=other, membership=mentor,
                                          start=other.start, end=other.end)
                claim_written.set()
                release.wait(timeout=30)  # commit only once the booking waits on the constraint
        finally:
            connections.close_all()

    outcome = {}

    def booking():
        try:
            claim_written.wait(timeout=30)
            outcome["result"] = booker(mentor, mentee, start + timedelta(minutes=10))()
        except Exception as error:
            outcome["result"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=intruder), threading.Thread(target=booking)]
    for thread in threads:
        thread.start()
    _wait_for_a_lock_wait()
    release.set()
    for thread in threads:
        thread.join(timeout=60)

    assert isinstance(outcome["result"], Conflict), outcome
    assert outcome["result"].first_message == "That time was just booked by someone else; pick another slot."


def _wait_for_a_lock_wait(timeout: float = 20.0) -> None:
    """Until some other connection of this database is blocked on a lock (the
    booking's claim insert, waiting for the intruder's transaction)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("The booking never waited on the intruder's claim.")
