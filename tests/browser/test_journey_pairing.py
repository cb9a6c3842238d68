"""The pairing journey (issue 3): a manager creates a cohort program, adds
participants by filter, runs pairing, locks one pair, runs it again around the
lock and publishes; the mentee signs in and sees their mentor on their home
page. Every page visited must pass axe."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from mentoring import services
from mentoring.models_programs import Cohort, Pair
from tests.browser.helpers import assert_accessible
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def people(org_a, manager, mentor, mentee):
    recent = date.today() - timedelta(days=20)
    second_mentor = MembershipFactory(organization=org_a, is_mentor=True, display_name="Sara Senior",
                                      title="Staff Engineer")
    second_mentee = MembershipFactory(organization=org_a, is_mentee=True, display_name="Nils Newhire")
    services.person_update(actor=manager, membership=mentor, title="Staff Engineer",
                           work_items=[("Payments v2", "")], skills=["System design"])
    services.person_update(actor=manager, membership=second_mentor, work_items=[("Search", "")])
    services.person_update(actor=manager, membership=mentee, hire_date=recent, work_items=[("Payments v2", "")])
    services.person_update(actor=manager, membership=second_mentee, hire_date=recent, work_items=[("Search", "")])
    return second_mentor, second_mentee


def add_by_filter(page, role: str, **fields):
    form = page.locator("form", has=page.get_by_role("button", name="Add everyone matching"))
    form.get_by_label("Add as").select_option(role)
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Add everyone matching").click()
    expect(page.get_by_text(re.compile(r"^Added \d+ participant"))).to_be_visible()
    assert_accessible(page)


def test_manager_pairs_a_cohort_around_a_lock_and_the_mentee_sees_their_mentor(
        signed_in_page, org_a, manager, mentor, mentee, people):
    page = signed_in_page(manager)
    assert_accessible(page)

    # From home to a new cohort program with its first cohort.
    page.get_by_role("link", name="Programs and pairing").click()
    expect(page.get_by_role("heading", name="Programs", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="New program").click()
    assert_accessible(page)
    page.get_by_label("Program name").fill("Onboarding")
    page.get_by_label("First cohort name").fill("Spring")
    page.get_by_label("First cohort starts").fill("2026-03-02")
    page.get_by_label("First cohort ends").fill("2026-04-13")
    page.get_by_role("button", name="Create program").click()

    # Participants by filter: the new hires as mentees, staff engineers as mentors.
    expect(page.get_by_role("heading", name="Participants of Spring")).to_be_visible()
    assert_accessible(page)
    add_by_filter(page, "mentee", **{"Hired in the last … days": "90"})
    add_by_filter(page, "mentor", **{"Title contains": "Staff"})
    expect(page.get_by_role("heading", name="In the cohort (4)")).to_be_visible()

    # Run pairing and review the proposal with its reasons.
    page.get_by_role("link", name="Go to pairing").click()
    assert_accessible(page)
    page.get_by_role("button", name="Run pairing").click()
    pairs = page.get_by_role("table", name="Pairs with scores and reasons")
    mina_row = pairs.get_by_role("row", name=re.compile("Mina Mentee"))
    expect(mina_row).to_contain_text("Otto Mentor")
    expect(mina_row).to_contain_text("both on Payments v2")
    assert_accessible(page)

    # Lock Mina's pair, then run again around it.
    mina_row.get_by_role("button", name="Lock Mina Mentee").click()
    expect(page.get_by_text("Locked: pairing again keeps this pair.")).to_be_visible()
    expect(pairs.get_by_role("row", name=re.compile("Mina Mentee"))).to_contain_text("Locked")
    assert_accessible(page)
    locked = Pair.objects.for_org(org_a).get(mentee__membership=mentee)
    page.get_by_role("button", name="Run pairing again").click()
    expect(page.get_by_text(re.compile(r"^Pairing proposed 1 pair"))).to_be_visible()
    assert Pair.objects.for_org(org_a).get(mentee__membership=mentee).pk == locked.pk
    assert_accessible(page)

    # Publish, after a confirmation.
    page.get_by_role("link", name="Publish pairs").click()
    expect(page.get_by_role("heading", name="Publish Spring?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish pairs").click()
    expect(page.get_by_text("Published. Participants have been told.")).to_be_visible()
    assert Cohort.objects.for_org(org_a).get().status == Cohort.Status.PUBLISHED
    assert_accessible(page)
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("table")).to_contain_text("Published")
    assert_accessible(page)

    # The mentee signs in and sees their mentor, with the reasons.
    home = signed_in_page(mentee)
    pairing = home.locator("#my-pairing")
    expect(pairing).to_contain_text("Your mentor: Otto Mentor")
    expect(pairing).to_contain_text("both on Payments v2")
    assert_accessible(home)
