"""The external-mentor journey (issue 3): a manager sets the terms of an
external mentor, the mentor reads and accepts the generated agreement, the
manager opens the monthly statement with the month picker and downloads the
CSV. Every page visited must pass axe."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.models import AuditEvent
from mentoring.models_external import EngagementAgreement
from mentoring.selectors_external import org_today
from tests.browser.helpers import assert_accessible
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory

pytestmark = pytest.mark.browser


def test_manager_sets_terms_mentor_accepts_manager_downloads_the_statement(signed_in_page, manager, mentee, org_a):
    expert = MembershipFactory(organization=org_a, is_mentor=True, is_external=True, display_name="Erna Expert",
                               user__email="erna@acme.test")
    today = org_today(org_a)

    page = signed_in_page(manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="External mentors", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("External mentors")
    expect(page.get_by_text("No terms yet")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Terms of Erna Expert").click()
    page.get_by_label("Hourly rate").fill("125.00")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Paid-trial sessions").fill("2")
    page.get_by_label("Trial starts").fill((today - timedelta(days=10)).isoformat())
    page.get_by_label("Trial ends").fill((today + timedelta(days=5)).isoformat())
    page.get_by_label("Sessions per month at most").fill("6")
    assert_accessible(page)
    page.get_by_role("button", name="Save terms and generate the agreement").click()
    expect(page.get_by_text(re.compile(r"agreement 1 is waiting for their acceptance"))).to_be_visible()
    expect(page.get_by_text("Waiting for acceptance")).to_be_visible()
    expect(page.get_by_text("Ends in 5 days")).to_be_visible()
    assert_accessible(page)

    # The mentor reads the agreement from their notification and accepts it.
    mentor_page = signed_in_page(expert)
    mentor_page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Notifications")).click()
    mentor_page.get_by_role("button", name=re.compile(r"^Open.*engagement agreement")).click()
    expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Your engagement agreement")
    expect(mentor_page.get_by_text(re.compile(r"125\.00 EUR per hour"))).to_be_visible()
    assert_accessible(mentor_page)
    mentor_page.get_by_role("button", name="I accept this agreement").click()
    expect(mentor_page.get_by_text("Accepted. Sessions can now be booked with you.")).to_be_visible()
    agreement = EngagementAgreement.objects.for_org(org_a).get(mentor=expert)
    assert agreement.accepted_by == expert

    # A session given and logged; the manager opens the statement of its month.
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    MentoringSessionFactory(organization=org_a, mentor=expert, mentee=mentee, logged=True, start=start,
                            end=start + timedelta(minutes=30), actual_minutes=25)
    month = start.astimezone(ZoneInfo(org_a.time_zone)).strftime("%Y-%m")
    page.reload()
    expect(page.get_by_text("Accepted", exact=True)).to_be_visible()
    page.get_by_role("link", name="Statement of Erna Expert").click()
    page.get_by_label("Month").fill(month)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"month={month}"))
    expect(page.get_by_role("cell", name="52.08 EUR", exact=True).first).to_be_visible()  # 25 min × 125/h
    expect(page.locator("tbody").get_by_text("Trial", exact=True)).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    content = open(download.path(), encoding="utf-8").read()
    assert ",Mina Mentee,25,125.00,EUR,52.08,yes" in content
    assert AuditEvent.objects.for_org(org_a).filter(action="compensation.export", actor_membership=manager).exists()
