"""The network journey (issue 3): a mentee finds a mentor in the directory by
topic, requests one of the offered slots with a note; the mentor sees the
request and accepts it; the mentee's time-bank balance drops by the session's
minutes. Every page visited must pass axe."""

import re

import pytest
from playwright.sync_api import expect

from mentoring.models import Program, SessionRequest
from mentoring.services_directory import listing_save
from sessions_app.models import MentoringSession
from tests.browser.helpers import assert_accessible
from tests.factories_programs import ProgramFactory

pytestmark = pytest.mark.browser


def open_nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s|$)")).click()


def test_mentee_requests_a_slot_from_the_directory_and_pays_when_the_mentor_accepts(signed_in_page, org_a, mentor,
                                                                                      mentee):
    network = ProgramFactory(organization=org_a, name="Engineering guild", kind=Program.Kind.NETWORK)
    listing_save(actor=mentor, program=network, topics=["System design", "Hiring"], weekly_capacity=3,
                 about="Queues, retries and design reviews")
    page = signed_in_page(mentee)

    open_nav(page, "Time-bank")
    expect(page.get_by_text("60 minutes", exact=True)).to_be_visible()
    assert_accessible(page)

    open_nav(page, "Directory")  # one network program: straight to its directory
    expect(page.get_by_role("heading", level=1)).to_have_text("Engineering guild: mentor directory")
    page.get_by_role("searchbox", name="Search mentors").fill("system design")
    page.get_by_role("button", name="Search").click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Otto Mentor"))
    expect(card.get_by_text("System design")).to_be_visible()
    assert_accessible(page)

    card.get_by_role("link", name="Request a session with Otto Mentor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request a session with Otto Mentor")
    assert_accessible(page)
    page.get_by_label("Length", exact=True).select_option(label="20 minutes")
    page.get_by_role("button", name="Show times").click()
    first = page.get_by_role("group").get_by_role("radio").first
    expect(first).to_be_checked()
    page.get_by_label("Note for the mentor").fill("A second pair of eyes on my queue design")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text(re.compile(r"Asked Otto Mentor"))).to_be_visible()
    assert_accessible(page)

    # The mentor, in their own browser, sees the request and accepts it.
    mentor_page = signed_in_page(mentor)
    open_nav(mentor_page, "Notifications")
    expect(mentor_page.get_by_text("Mina Mentee requests a 20-minute session").first).to_be_visible()
    mentor_page.goto("/o/acme/requests/")
    expect(mentor_page.get_by_text("A second pair of eyes on my queue design")).to_be_visible()
    assert_accessible(mentor_page)
    mentor_page.get_by_role("button", name=re.compile(r"^Accept Mina Mentee")).click()
    expect(mentor_page.get_by_text("Booked the session with Mina Mentee.")).to_be_visible()

    request = SessionRequest.objects.for_org(org_a).get()
    session = MentoringSession.objects.for_org(org_a).get()
    assert (request.status, request.session, session.program, session.minutes) == (
        "accepted", session, network, 20)

    # The mentee's balance dropped by the session's minutes, the entry links the session.
    page.reload()
    open_nav(page, "Time-bank")
    expect(page.get_by_text("40 minutes", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^with Otto Mentor"))).to_be_visible()
    assert_accessible(page)
