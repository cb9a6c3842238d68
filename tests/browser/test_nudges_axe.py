"""The notification pages in a real browser: open a notification, save
preferences, unsubscribe by link. Every page visited must pass axe."""

import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import Notification, NudgeKind
from sessions_app.services.nudges import unsubscribe_token
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_notification_centre_preferences_and_unsubscribe_pass_axe(signed_in_page, new_page, org_a, manager):
    Notification.unscoped.create(organization=org_a, recipient=manager, title="Due tomorrow: hiring rubric",
                                 body="Tick it off once it is done.", link="/o/acme/next-steps/")

    page = signed_in_page(manager)
    page.goto("/o/acme/notifications/")
    # The count shows in the page heading and as the badge in the navigation.
    expect(page.get_by_role("heading", name="Notifications 1 unread")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Mark read")).click()
    expect(page.get_by_text("1 unread")).to_have_count(0)
    page.goto("/o/acme/notifications/preferences/")
    page.get_by_role("checkbox", name="Survey not answered yet by email").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Reminder preferences saved.")).to_be_visible()
    assert_accessible(page)

    stranger = new_page()  # the email link works without signing in
    stranger.goto(f"/unsubscribe/{unsubscribe_token(membership=manager, kind=NudgeKind.NEXT_STEP_DUE)}/")
    assert_accessible(stranger)
    stranger.get_by_role("button", name="Unsubscribe").click()
    expect(stranger.get_by_role("heading", name="Unsubscribed")).to_be_visible()
    assert_accessible(stranger)
