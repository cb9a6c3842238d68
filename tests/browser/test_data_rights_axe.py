"""Data rights and the MFA setting in a real browser: a member finds "My data" in the account menu;
a manager erases a deactivated member after a confirmation page; the settings page shows the MFA
requirement. Every page visited must pass axe."""

import re

import pytest
from playwright.sync_api import expect

from mentoring import services
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_a_member_finds_their_data_download(signed_in_page, mentee):
    page = signed_in_page(mentee)
    page.get_by_text(f"Account of {mentee.user.email}").click()  # the account menu
    page.get_by_role("link", name="My data").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("My data")
    expect(page.get_by_role("link", name="Download my data (JSON)")).to_be_visible()
    assert_accessible(page)


def test_a_manager_erases_a_deactivated_member_after_confirming(signed_in_page, manager, mentee):
    services.membership_deactivate(actor=manager, membership=mentee)
    page = signed_in_page(manager)
    page.goto("/o/acme/members/")
    page.get_by_role("link", name="Erase data of Mina Mentee").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Erase Mina Mentee’s personal data?")
    assert_accessible(page)
    page.get_by_role("button", name="Erase personal data").click()

    expect(page).to_have_url(re.compile(r"/o/acme/members/$"))
    expect(page.get_by_text("Erased Mina Mentee’s personal data.")).to_be_visible()
    assert_accessible(page)


def test_the_settings_page_offers_the_mfa_requirement(signed_in_page, manager):
    page = signed_in_page(manager)
    page.goto("/o/acme/settings/")

    expect(page.get_by_role("checkbox", name=re.compile("Require two-factor authentication"))).to_be_visible()
    assert_accessible(page)
