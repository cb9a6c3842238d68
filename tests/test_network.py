"""The network model: mentors' directory listings, session requests in one
of the offered slots, accepting (booked and paid from the time-bank) and
declining with a message, and going unavailable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import MentorListing, Program, SessionRequest
from mentoring.services_directory import (listing_save, session_request_accept, session_request_create,
                                          session_request_decline, session_request_withdraw)
from mentoring.services_timebank import timebank_balance
from sessions_app.models import MentoringSession, Notification
from sessions_app.selectors.availability import slot_suggestions
from tests.factories import MembershipFactory
from tests.factories_programs import ProgramFactory


@pytest.fixture
def network(org_a):
    return ProgramFactory(organization=org_a, name="Guild", kind=Program.Kind.NETWORK)


@pytest.fixture
def listing(mentor, network):
    return listing_save(actor=mentor, program=network, topics=["System design", "Hiring"], weekly_capacity=2,
                        about="Ask me about queues")


def offered(mentor, mentee, minutes=30):
    return [slot.start_utc for slot in slot_suggestions(org=mentor.organization, mentor=mentor, mentee=mentee,
                                                        minutes=minutes, days=14, limit=None)]


def ask(mentee, listing, minutes=30, index=0, note="Review my design doc"):
    start = offered(listing.membership, mentee, minutes)[index]
    return session_request_create(actor=mentee, listing=listing, start=start, minutes=minutes, note=note)


def notes_of(member):
    return list(Notification.objects.for_org(member.organization).filter(recipient=member)
                .values_list("title", flat=True))


# --- Listings ------------------------------------------------------------------------------------

def test_a_mentor_lists_themselves_with_topics_and_capacity(listing):
    assert sorted(t.name for t in listing.topics.all()) == ["Hiring", "System design"]
    assert (listing.weekly_capacity, listing.is_available, listing.about) == (2, True, "Ask me about queues")


def test_saving_again_updates_the_one_listing(mentor, network, listing):
    listing_save(actor=mentor, program=network, topics=["Hiring"], weekly_capacity=5)

    assert MentorListing.objects.for_org(mentor.organization).filter(membership=mentor).count() == 1
    listing.refresh_from_db()
    assert listing.weekly_capacity == 5 and [t.name for t in listing.topics.all()] == ["Hiring"]


def test_only_mentors_list_themselves(mentee, network):
    with pytest.raises(NotPermitted):
        listing_save(actor=mentee, program=network, topics=[], weekly_capacity=2)


def test_a_cohort_program_has_no_directory(org_a, mentor):
    cohort_program = ProgramFactory(organization=org_a)
    with pytest.raises(DomainError, match="network program"):
        listing_save(actor=mentor, program=cohort_program, topics=[], weekly_capacity=2)


def test_going_unavailable_needs_a_message(mentor, network, listing):
    with pytest.raises(DomainError) as refused:
        listing_save(actor=mentor, program=network, topics=[], weekly_capacity=2, is_available=False)
    assert "unavailable_message" in refused.value.errors


# --- Requests --------------------------------------------------------------------------------------

def test_a_mentee_requests_an_offered_slot_and_the_mentor_is_notified(mentor, mentee, listing):
    request = ask(mentee, listing)

    assert (request.status, request.mentor, request.mentee, request.minutes) == ("open", mentor, mentee, 30)
    assert notes_of(mentor) == ["Mina Mentee requests a 30-minute session"]


def test_a_time_that_is_not_offered_is_refused(mentor, mentee, listing):
    not_offered = offered(mentor, mentee)[0] + timedelta(minutes=1)
    with pytest.raises(DomainError, match="pick one of the offered times"):
        session_request_create(actor=mentee, listing=listing, start=not_offered, minutes=30)


def test_a_request_the_balance_cannot_cover_is_refused_up_front(org_a, mentee, listing):
    org_a.timebank_starting_grant = 20
    org_a.save()
    with pytest.raises(DomainError, match="You have 20 time-bank minutes"):
        ask(mentee, listing, minutes=30)


def test_the_same_slot_is_not_requested_twice(mentee, listing):
    ask(mentee, listing)
    with pytest.raises(Conflict):
        ask(mentee, listing)


def test_accepting_books_the_session_in_the_program_and_spends_the_mentees_minutes(mentor, mentee, network, listing):
    request = ask(mentee, listing, minutes=25)

    accepted = session_request_accept(actor=mentor, request=request)

    session = accepted.session
    assert (accepted.status, session.program, session.mentor, session.mentee, session.minutes) == (
        "accepted", network, mentor, mentee, 25)
    assert session.start == request.start
    assert timebank_balance(mentee) == 35
    assert notes_of(mentee) == ["Otto Mentor accepted your session request"]


def test_accepting_when_the_balance_ran_short_keeps_the_request_open(org_a, manager, mentor, mentee, listing):
    from mentoring.services_timebank import timebank_adjust

    request = ask(mentee, listing, minutes=30)
    timebank_adjust(actor=manager, member=mentee, minutes=-45, reason="Correction")

    with pytest.raises(DomainError, match="has 15 time-bank minutes"):
        session_request_accept(actor=mentor, request=request)

    request.refresh_from_db()
    assert request.status == "open" and not MentoringSession.objects.for_org(org_a).exists()


def test_only_the_mentor_asked_answers(mentee, listing, org_a):
    other = MembershipFactory(organization=org_a, is_mentor=True)
    request = ask(mentee, listing)
    with pytest.raises(NotPermitted):
        session_request_accept(actor=other, request=request)
    with pytest.raises(NotPermitted):
        session_request_decline(actor=mentee, request=request, message="No")


def test_declining_sends_the_message_to_the_mentee(mentor, mentee, listing):
    request = ask(mentee, listing)

    declined = session_request_decline(actor=mentor, request=request, message="Next week works better")

    assert (declined.status, declined.response) == ("declined", "Next week works better")
    assert notes_of(mentee) == ["Otto Mentor declined your session request"]
    with pytest.raises(Conflict):
        session_request_accept(actor=mentor, request=declined)


def test_going_unavailable_declines_every_open_request_with_the_message(org_a, mentor, network, listing):
    mentees = [MembershipFactory(organization=org_a, is_mentee=True) for _ in range(3)]
    requests = [ask(mentee, listing, index=i) for i, mentee in enumerate(mentees)]
    session_request_withdraw(actor=mentees[0], request=requests[0])

    listing_save(actor=mentor, program=network, topics=[], weekly_capacity=2, is_available=False,
                 unavailable_message="On leave until 12 January")

    statuses = sorted(SessionRequest.objects.for_org(org_a).values_list("status", "response"))
    assert statuses == [("declined", "On leave until 12 January")] * 2 + [("withdrawn", "")]
    assert all(notes_of(m) == ["Otto Mentor declined your session request"] for m in mentees[1:])
    with pytest.raises(DomainError, match="not taking requests now: On leave until 12 January"):
        ask(mentees[0], listing, index=5)


def test_a_full_week_of_the_listing_is_refused(org_a, mentor, network):
    listing = listing_save(actor=mentor, program=network, topics=[], weekly_capacity=1)
    first, second = (MembershipFactory(organization=org_a, is_mentee=True) for _ in range(2))
    session_request_accept(actor=mentor, request=ask(first, listing, index=0))
    same_week = [s for s in offered(mentor, second)
                 if s.isocalendar()[:2] == MentoringSession.objects.for_org(org_a).get().start.isocalendar()[:2]]

    with pytest.raises(DomainError, match="offers 1 session a week"):
        session_request_create(actor=second, listing=listing, start=same_week[0], minutes=30)


# --- Pages ---------------------------------------------------------------------------------------------

def test_the_directory_page_shows_topics_work_and_the_next_free_time(client_for, mentee, listing, network):
    response = client_for(mentee).get(reverse("directory", args=["acme", network.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Otto Mentor" in body and "System design" in body and "Request a session" in body
    assert "No shared free time" not in body


def test_the_directory_search_matches_topics(client_for, mentee, listing, network, org_a):
    other = MembershipFactory(organization=org_a, is_mentor=True, display_name="Pia Payments")
    listing_save(actor=other, program=network, topics=["Payments"], weekly_capacity=2)

    body = client_for(mentee).get(reverse("directory", args=["acme", network.pk]) + "?q=payments").content.decode()

    assert "Pia Payments" in body and "Otto Mentor" not in body


def test_the_directory_query_count_is_flat_in_the_number_of_mentors(client_for, mentee, network, org_a,
                                                                    django_assert_num_queries):
    def listed(n):
        for _ in range(n):
            mentor = MembershipFactory(organization=org_a, is_mentor=True)
            listing_save(actor=mentor, program=network, topics=["Hiring", "Go"], weekly_capacity=2)

    client = client_for(mentee)
    url = reverse("directory", args=["acme", network.pk])
    listed(1)
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    listed(6)
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert response.content.decode().count("Request a session") == 7


def test_a_mentee_requests_through_the_page_and_the_mentor_accepts(client_for, mentor, mentee, listing):
    start = offered(mentor, mentee)[0]
    page = client_for(mentee).get(reverse("session_request_create", args=["acme", listing.pk]))
    assert page.status_code == 200 and start.isoformat() in page.content.decode()

    response = client_for(mentee).post(reverse("session_request_create", args=["acme", listing.pk]),
                                       {"minutes": "30", "start": start.isoformat(), "note": "Queues"})
    assert response.status_code == 302
    request = SessionRequest.objects.for_org(mentee.organization).get()

    accepted = client_for(mentor).post(reverse("session_request_accept", args=["acme", request.pk]))
    assert accepted.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted" and timebank_balance(mentee) == 30


def test_the_mentor_declines_through_the_page_with_a_message(client_for, mentor, mentee, listing):
    request = ask(mentee, listing)
    url = reverse("session_request_decline", args=["acme", request.pk])

    assert client_for(mentor).post(url, {"message": ""}).status_code == 400
    assert client_for(mentor).post(url, {"message": "Busy that week"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.response) == ("declined", "Busy that week")


def test_a_mentor_edits_their_listing_on_the_page(client_for, mentor, network):
    url = reverse("listing_edit", args=["acme", network.pk])
    response = client_for(mentor).post(url, {"topics": "Rust, Hiring", "about": "", "weekly_capacity": "3",
                                             "is_available": "yes", "unavailable_message": ""})
    assert response.status_code == 302
    listing = MentorListing.objects.for_org(mentor.organization).get(membership=mentor)
    assert listing.weekly_capacity == 3 and sorted(t.name for t in listing.topics.all()) == ["Hiring", "Rust"]


# --- API ---------------------------------------------------------------------------------------------

def test_the_api_lists_the_directory_with_next_free_slots(api_for, mentee, listing, network):
    response = api_for(mentee).get(f"/api/v1/orgs/acme/listings/?program={network.pk}&q=system")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["mentor"]["display_name"] == "Otto Mentor" and row["topics"] == ["Hiring", "System design"]
    assert row["next_free_slot"] is not None


def test_the_api_requests_and_accepts_a_session(api_for, mentor, mentee, listing):
    start = offered(mentor, mentee)[0]
    created = api_for(mentee).post("/api/v1/orgs/acme/session-requests/",
                                   {"listing": str(listing.pk), "start": start.isoformat(), "minutes": 30,
                                    "note": "Hi"}, format="json")
    assert created.status_code == 201, created.json()

    accepted = api_for(mentor).post(f"/api/v1/orgs/acme/session-requests/{created.json()['id']}/accept/")

    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    ledger = api_for(mentee).get("/api/v1/orgs/acme/time-entries/").json()["results"]
    assert [(e["kind"], e["minutes"], e["session"]) for e in ledger] == [
        ("spend", -30, accepted.json()["session"]), ("grant", 60, None)]


def test_the_api_refuses_a_short_balance_with_a_field_message(api_for, org_a, mentor, mentee, listing):
    start = offered(mentor, mentee)[0]
    org_a.timebank_starting_grant = 15
    org_a.save()

    response = api_for(mentee).post("/api/v1/orgs/acme/session-requests/",
                                    {"listing": str(listing.pk), "start": start.isoformat(), "minutes": 30},
                                    format="json")

    assert response.status_code == 400 and "time-bank minutes" in response.json()["errors"]["minutes"][0]


def flat(client, url, grow, django_assert_num_queries):
    """The page or endpoint costs as many queries after ``grow()`` added rows as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    grow()
    with django_assert_num_queries(len(before)):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_requests_page_query_count_is_flat(client_for, org_a, mentor, listing, django_assert_num_queries):
    def grow():
        for i in range(4):
            ask(MembershipFactory(organization=org_a, is_mentee=True), listing, index=i)

    ask(MembershipFactory(organization=org_a, is_mentee=True), listing, index=5)
    response = flat(client_for(mentor), reverse("session_request_list", args=["acme"]), grow,
                    django_assert_num_queries)
    assert response.content.decode().count("Decline<span") == 5


def test_the_directory_and_requests_endpoints_query_counts_are_flat(api_for, org_a, mentee, network, listing,
                                                                    django_assert_num_queries):
    def grow():
        for _ in range(4):
            other = MembershipFactory(organization=org_a, is_mentor=True)
            listing_save(actor=other, program=network, topics=["Go"], weekly_capacity=2)
            ask(mentee, MentorListing.objects.for_org(org_a).get(membership=other))

    ask(mentee, listing)
    client = api_for(mentee)
    listings = flat(client, f"/api/v1/orgs/acme/listings/?program={network.pk}", grow, django_assert_num_queries)
    assert len(listings.json()["results"]) == 5
    requests = flat(client, "/api/v1/orgs/acme/session-requests/", lambda: ask(mentee, listing, index=3),
                    django_assert_num_queries)
    assert len(requests.json()["results"]) == 6


def test_the_request_page_says_why_a_short_balance_is_refused(client_for, org_a, mentor, mentee, listing):
    org_a.timebank_starting_grant = 20
    org_a.save()
    start = offered(mentor, mentee)[0]

    response = client_for(mentee).post(reverse("session_request_create", args=["acme", listing.pk]),
                                       {"minutes": "30", "start": start.isoformat(), "note": ""})

    assert response.status_code == 400
    assert "You have 20 time-bank minutes; a 30-minute session needs 30." in response.content.decode()
    assert not SessionRequest.objects.for_org(org_a).exists()
