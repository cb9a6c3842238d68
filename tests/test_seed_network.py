"""``seed_demo``: a network program with listed mentors, session requests, and
a time-bank ledger that replays the seeded sessions by the time-bank's rules."""

from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command

from mentoring.models import MentorListing, Organization, Program, SessionRequest, TimeAccount, TimeEntry
from sessions_app.models import MentoringSession

pytestmark = pytest.mark.django_db

SMALL = ("--orgs", "1", "--people", "60", "--weeks", "8")


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def org():
    seed(*SMALL)
    return Organization.objects.get(slug="northwind")


def test_a_network_program_lists_mentors_including_the_demo_mentor(org):
    program = Program.objects.for_org(org).get(kind="network")
    listings = MentorListing.objects.for_org(org).filter(program=program)

    assert listings.filter(membership__email="mentor@northwind.example", is_available=True).exists()
    assert listings.count() >= 3
    assert all(listing.membership.is_mentor for listing in listings.select_related("membership"))
    assert listings.filter(topics__isnull=False).exists()


def test_every_balance_is_the_sum_of_its_entries_and_never_went_below_zero(org):
    accounts = TimeAccount.objects.for_org(org)
    assert accounts.exists()
    for account in accounts:
        entries = list(TimeEntry.objects.for_org(org).filter(account=account).order_by("created_at", "id"))
        assert sum(e.minutes for e in entries) == account.balance_minutes
        assert min(e.balance_after for e in entries) >= 0
        assert entries[0].kind == "grant" and entries[0].minutes == org.timebank_starting_grant


def test_mentors_earn_the_logged_minutes_of_every_logged_session(org):
    earned = {(e.session_id, e.membership_id): e.minutes
              for e in TimeEntry.objects.for_org(org).filter(kind="earn")}
    logged = {(s.pk, s.mentor_id): s.actual_minutes
              for s in MentoringSession.objects.for_org(org).filter(status="done")}

    assert earned == logged


def test_spends_and_refunds_belong_to_the_network_sessions_of_their_mentee(org):
    network = MentoringSession.objects.for_org(org).filter(program__kind="network")
    spends = {e.session_id: (e.membership_id, -e.minutes) for e in TimeEntry.objects.for_org(org).filter(kind="spend")}
    refunds = {e.session_id for e in TimeEntry.objects.for_org(org).filter(kind="refund")}

    assert network.exists()
    assert spends == {s.pk: (s.mentee_id, s.minutes) for s in network}
    assert refunds == {s.pk for s in network.filter(status="cancelled")}


def test_requests_are_accepted_declined_and_open(org):
    requests = SessionRequest.objects.for_org(org)
    by_status = defaultdict(int)
    for status in requests.values_list("status", flat=True):
        by_status[status] += 1

    assert by_status["accepted"] and by_status["declined"] and by_status["open"]
    assert all(r.session.program.kind == "network" and r.session.mentee_id == r.mentee_id
               for r in requests.filter(status="accepted").select_related("session__program"))
    assert requests.filter(status="open", mentor__email="mentor@northwind.example",
                           mentee__email="mentee@northwind.example").exists()


def test_a_second_run_adds_no_ledger_rows_listings_or_requests(org):
    counts = (TimeEntry.unscoped.count(), MentorListing.unscoped.count(), SessionRequest.unscoped.count())

    seed(*SMALL)

    assert (TimeEntry.unscoped.count(), MentorListing.unscoped.count(), SessionRequest.unscoped.count()) == counts
