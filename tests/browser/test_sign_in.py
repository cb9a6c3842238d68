import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import EMAIL_LABEL, PASSWORD_LABEL, assert_accessible, login

pytestmark = pytest.mark.browser


def test_login_page_renders_and_passes_axe(page):
    response = page.goto("/accounts/login/")

    assert response.status == 200
    expect(page.get_by_label(EMAIL_LABEL)).to_be_visible()
    expect(page.get_by_label(PASSWORD_LABEL)).to_be_visible()
    assert_accessible(page)


def test_wrong_password_shows_an_error_and_stays_signed_out(page, manager):
    login(page, manager.user.email, "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text(re.compile(r"not correct|incorrect|invalid", re.I)).first).to_be_visible()
    assert_accessible(page)


def test_manager_signs_in_and_lands_on_their_org_page(signed_in_page, manager):
    page = signed_in_page(manager)

    expect(page).to_have_url(re.compile(r"/o/acme/$"))
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
