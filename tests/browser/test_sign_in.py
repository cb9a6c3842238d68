import re

import pytest

from tests.browser.helpers import assert_accessible, login

pytestmark = pytest.mark.browser


def test_login_page_renders_and_passes_axe(page):
    page.goto("/accounts/login/")

    assert page.get_by_label("Email").is_visible()
    assert page.get_by_label("Password", exact=True).is_visible()
    assert_accessible(page)


def test_wrong_password_shows_an_error_and_stays_signed_out(page, manager):
    login(page, manager.user.email, "not-the-password")

    assert "/accounts/login/" in page.url
    assert page.get_by_text(re.compile(r"not correct|incorrect|invalid", re.I)).first.is_visible()
    assert_accessible(page)


def test_manager_signs_in_and_lands_on_their_org_page(signed_in_page, manager):
    page = signed_in_page(manager)

    assert page.url.endswith("/o/acme/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("main").is_visible()
    assert_accessible(page)
