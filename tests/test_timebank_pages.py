"""Time-bank pages and API: a member's ledger linked to their sessions, every
member's balance for managers, adjusting with a reason; flat query counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.models import AuditEvent, Program
from mentoring.services_timebank import timebank_adjust, timebank_balance
from sessions_app.models import MentoringSession
from sessions_app.services.booking import session_book
from tests.factories import MembershipFactory
from tests.factories_programs import ProgramFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def network(org_a):
    return ProgramFactory(organization=org_a, name="Guild", kind=Program.Kind.NETWORK)


def spend(mentor, mentee, network, n):
    """n network sessions of 15 minutes in n different weeks (no cap in the way)."""
    for week in range(n):
        session_book(actor=mentee, mentor=mentor, mentee=mentee, start=NOW + timedelta(weeks=week + 1),
                     minutes=15, program=network, now=NOW)


def test_my_time_bank_shows_the_balance_and_entries_linked_to_sessions(client_for, mentor, mentee, network):
    spend(mentor, mentee, network, 1)
    session = MentoringSession.objects.for_org(mentee.organization).get()

    body = client_for(mentee).get(reverse("timebank", args=["acme"])).content.decode()

    assert "45 minutes" in body
    assert reverse("session_detail", args=["acme", session.pk]) in body and "with Otto Mentor" in body


def test_my_time_bank_query_count_is_flat_in_the_number_of_entries(client_for, mentor, mentee, network,
                                                                   django_assert_num_queries):
    client = client_for(mentee)
    url = reverse("timebank", args=["acme"])
    spend(mentor, mentee, network, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    timebank_adjust(actor=MembershipFactory(organization=mentee.organization, is_manager=True), member=mentee,
                    minutes=100, reason="Clinic")
    for mentor_n in range(3):
        other = MembershipFactory(organization=mentee.organization, is_mentor=True)
        session_book(actor=mentee, mentor=other, mentee=mentee, start=NOW + timedelta(weeks=10 + mentor_n),
                     minutes=15, program=network, now=NOW)

    with django_assert_num_queries(len(one)):
        client.get(url)


def test_managers_see_every_balance_and_adjust_with_a_reason(client_for, manager, mentee, network, mentor):
    spend(mentor, mentee, network, 2)
    page = client_for(manager).get(reverse("timebank_members", args=["acme"])).content.decode()
    assert "Mina Mentee" in page and ">30<" in page.replace(" ", "")

    url = reverse("timebank_adjust", args=["acme", mentee.pk])
    assert client_for(manager).post(url, {"minutes": "10", "reason": ""}).status_code == 400
    assert client_for(manager).post(url, {"minutes": "10", "reason": "Hosted a clinic"}).status_code == 302

    assert timebank_balance(mentee) == 40
    assert AuditEvent.objects.for_org(manager.organization).filter(action="timebank.adjust").count() == 1


def test_the_members_balance_page_query_count_is_flat(client_for, manager, org_a, django_assert_num_queries):
    client = client_for(manager)
    url = reverse("timebank_members", args=["acme"])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(5):
        timebank_adjust(actor=manager, member=MembershipFactory(organization=org_a), minutes=5, reason="Welcome")

    with django_assert_num_queries(len(before)):
        client.get(url)


@pytest.mark.parametrize("role", ["mentor", "mentee", "hr"])
def test_only_managers_open_the_balances_and_adjust(role, request, client_for, mentee):
    member = request.getfixturevalue(role)
    client = client_for(member)
    assert client.get(reverse("timebank_members", args=["acme"])).status_code == 403
    assert client.post(reverse("timebank_adjust", args=["acme", mentee.pk]),
                       {"minutes": "10", "reason": "x"}).status_code == 403


def test_the_api_shows_my_balance_and_only_mine(api_for, mentee, mentor):
    rows = api_for(mentee).get("/api/v1/orgs/acme/time-accounts/").json()["results"]
    assert [(r["member"]["id"], r["balance_minutes"], r["opened"]) for r in rows] == [(str(mentee.pk), 60, False)]
    assert api_for(mentee).get(f"/api/v1/orgs/acme/time-accounts/{mentor.pk}/").status_code == 404


def test_a_manager_adjusts_through_the_api(api_for, manager, mentee):
    response = api_for(manager).post(f"/api/v1/orgs/acme/time-accounts/{mentee.pk}/adjust/",
                                     {"minutes": -70, "reason": "Typo"}, format="json")
    assert response.status_code == 400 and "below zero" in response.json()["errors"]["minutes"][0]

    response = api_for(manager).post(f"/api/v1/orgs/acme/time-accounts/{mentee.pk}/adjust/",
                                     {"minutes": -20, "reason": "Correction"}, format="json")
    assert response.status_code == 200 and response.json()["balance_after"] == 40


def test_a_non_manager_cannot_adjust_through_the_api(api_for, mentee):
    response = api_for(mentee).post(f"/api/v1/orgs/acme/time-accounts/{mentee.pk}/adjust/",
                                    {"minutes": 20, "reason": "Me"}, format="json")
    assert response.status_code == 403


def test_the_session_api_and_page_show_the_program(api_for, client_for, mentor, mentee, network):
    spend(mentor, mentee, network, 1)
    session = MentoringSession.objects.for_org(mentee.organization).get()

    row = api_for(mentee).get(f"/api/v1/orgs/acme/sessions/{session.pk}/").json()
    page = client_for(mentee).get(reverse("session_detail", args=["acme", session.pk])).content.decode()

    assert row["program"] == {"id": str(network.pk), "name": "Guild", "kind": "network"}
    assert "Guild" in page and "paid from the time-bank" in page


def test_the_booking_api_books_in_a_network_program(api_for, mentor, mentee, network, org_b):
    start = (datetime.now(timezone.utc) + timedelta(days=9)).replace(hour=10, minute=0, second=0, microsecond=0)
    body = {"mentor": str(mentor.pk), "mentee": str(mentee.pk), "start": start.isoformat(), "minutes": 20}
    foreign = ProgramFactory(organization=org_b, kind=Program.Kind.NETWORK)

    refused = api_for(mentee).post("/api/v1/orgs/acme/sessions/book/", {**body, "program": str(foreign.pk)},
                                   format="json")
    booked = api_for(mentee).post("/api/v1/orgs/acme/sessions/book/", {**body, "program": str(network.pk)},
                                  format="json")

    assert refused.status_code == 400 and "program" in refused.json()["errors"]
    assert booked.status_code == 201 and booked.json()["program"] == str(network.pk)
    assert timebank_balance(mentee) == 40


def test_the_balances_and_entries_endpoints_query_counts_are_flat(api_for, manager, org_a, django_assert_num_queries):
    client = api_for(manager)
    for url in ("/api/v1/orgs/acme/time-accounts/", "/api/v1/orgs/acme/time-entries/"):
        client.get(url)
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for _ in range(3):
            timebank_adjust(actor=manager, member=MembershipFactory(organization=org_a), minutes=5, reason="Hi")
            timebank_adjust(actor=manager, member=manager, minutes=5, reason="Me")
        with django_assert_num_queries(len(before)):
            assert client.get(url).status_code == 200
