"""The second part of nudges in a real browser: the standup digest, the
managers' activity and webhook pages, and booking a suggested slot in one
click. Every page visited must pass axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import MentoringSession, Nudge
from sessions_app.services.nudges_programs import slot_token
from tests.browser.helpers import assert_accessible
from tests.factories_nudges import NudgeFactory, always_working
from tests.factories_sessions import KudosFactory, MentoringSessionFactory

pytestmark = pytest.mark.browser


def test_digest_activity_and_webhook_pages_pass_axe(signed_in_page, org_a, manager, mentor, mentee):
    KudosFactory(organization=org_a, giver=mentee, receiver=mentor, message="Thanks for the hiring rubric")
    MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)
    NudgeFactory(step__session__organization=org_a, step__session__mentee=mentee, status=Nudge.Status.FAILED,
                 attempts=5, last_error="SMTPException: mailbox full")
    year, week, _ = timezone.localdate().isocalendar()

    page = signed_in_page(manager)
    page.goto(f"/o/acme/digest/?week={year}-W{week:02d}")
    expect(page.get_by_text("Thanks for the hiring rubric")).to_be_visible()
    assert_accessible(page)

    page.goto("/o/acme/nudges/activity/")
    expect(page.get_by_text("SMTPException: mailbox full")).to_be_visible()
    assert_accessible(page)

    page.goto("/o/acme/webhook/")
    assert_accessible(page)
    page.get_by_label("Webhook URL").fill("https://hooks.example.test/acme")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("heading", name="Your signing secret")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Make a new secret")).click()
    assert_accessible(page)


def test_booking_a_suggested_slot_takes_one_click_and_passes_axe(signed_in_page, org_a, mentor, mentee):
    always_working(mentor)
    always_working(mentee)
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    token = slot_token(mentor=mentor, mentee=mentee, start=start, minutes=30)

    page = signed_in_page(mentee)
    page.goto(f"/o/acme/book/suggested/?slot={token}")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Book")).click()

    expect(page.get_by_text(re.compile("^Booked: 30 minutes with"))).to_be_visible()
    assert MentoringSession.objects.for_org(org_a).filter(mentor=mentor, mentee=mentee, start=start).exists()
