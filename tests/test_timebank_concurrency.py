"""Time-bank spends under real concurrency on Postgres: threads, each with its
own connection, spend from one balance at once. The balance never goes below
zero, exactly as many spends win as it covers, the others get the message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mentoring.errors import DomainError
from mentoring.models import Program, TimeAccount, TimeEntry
from mentoring.services_timebank import timebank_spend
from sessions_app.models import MentoringSession
from sessions_app.services.booking import session_book
from tests.factories import MembershipFactory, OrganizationFactory
from tests.factories_programs import ProgramFactory
from tests.test_booking_concurrency import run_in_parallel

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")
SHORT = "time-bank minutes"


@pytest.fixture
def org():
    return OrganizationFactory(slug="bank", name="Bank", mentor_weekly_cap=40, timebank_starting_grant=60)


@pytest.fixture
def network(org):
    return ProgramFactory(organization=org, name="Guild", kind=Program.Kind.NETWORK)


def balance_of(member) -> int:
    return TimeAccount.objects.for_org(member.organization).get(membership=member).balance_minutes


def test_twelve_parallel_spends_from_one_balance_never_go_below_zero(org, network):
    mentee = MembershipFactory(organization=org, is_mentee=True, display_name="Mina Mentee")
    mentor = MembershipFactory(organization=org, is_mentor=True)
    # Sessions that exist already; only the spends race (no booking lock serialises them).
    sessions = [MentoringSession.objects.for_org(org).create(
        organization=org, mentor=mentor, mentee=mentee, program=network,
        start=NOW + timedelta(days=i + 1), end=NOW + timedelta(days=i + 1, minutes=15)) for i in range(12)]

    outcomes = run_in_parallel([lambda s=session: timebank_spend(session=s) for session in sessions])

    wins = [o for o in outcomes if isinstance(o, TimeEntry)]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert (len(wins), len(refusals)) == (4, 8), outcomes  # 60 minutes cover four 15-minute sessions
    assert all(SHORT in refusal.first_message for refusal in refusals)
    assert balance_of(mentee) == 0
    assert sorted(e.balance_after for e in wins) == [0, 15, 30, 45]
    assert TimeEntry.objects.for_org(org).filter(membership=mentee, kind="grant").count() == 1


def test_eight_parallel_network_bookings_spend_exactly_what_the_balance_covers(org, network):
    mentee = MembershipFactory(organization=org, is_mentee=True, display_name="Mina Mentee")
    mentors = [MembershipFactory(organization=org, is_mentor=True) for _ in range(8)]
    # Eight mentors, eight different ISO weeks: no cap or overlap interferes, only the balance.
    calls = [lambda m=mentor, i=i: session_book(
        actor=mentee, mentor=m, mentee=mentee, start=datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN) + timedelta(weeks=i),
        minutes=20, program=network, now=NOW) for i, mentor in enumerate(mentors)]

    outcomes = run_in_parallel(calls)

    wins = [o for o in outcomes if isinstance(o, MentoringSession)]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert (len(wins), len(refusals)) == (3, 5), outcomes  # 60 minutes cover three 20-minute sessions
    assert all(refusal.errors == {"minutes": [refusal.first_message]} and SHORT in refusal.first_message
               for refusal in refusals)
    assert balance_of(mentee) == 0
    assert MentoringSession.objects.for_org(org).filter(mentee=mentee).count() == 3
    assert TimeEntry.objects.for_org(org).filter(membership=mentee, kind="spend").count() == 3
