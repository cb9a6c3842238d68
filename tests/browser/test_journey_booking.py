"""The booking journey (issue 4): a mentee signs in, opens Book, picks their
mentor and 30 minutes, sees ranked suggestions, books the first one with the
keyboard and sees the confirmation; then looks at their availability page.
Every page visited must pass axe."""

import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import MentoringSession
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser


def open_nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_mentee_books_the_first_suggested_slot_with_the_keyboard(signed_in_page, mentor, mentee):
    page = signed_in_page(mentee)

    open_nav(page, "Book")
    expect(page).to_have_url(re.compile(r"/o/acme/book/$"))
    expect(page.get_by_text("Pick a mentor to see times.")).to_be_visible()
    assert_accessible(page)

    # Picking the mentor and the length refreshes the suggestions in place (htmx).
    page.get_by_label("Mentor").select_option(label="Otto Mentor")
    page.get_by_label("Length").select_option(label="30 minutes")
    expect(page.get_by_role("heading", name="Suggested times with Otto Mentor")).to_be_visible()
    expect(page).to_have_url(re.compile(r"mentor="))
    slots = page.get_by_role("table", name="Suggested times with Otto Mentor").get_by_role("row")
    expect(slots).to_have_count(21)  # the header and 20 ranked slots
    expect(page.get_by_text("Times in your zone, Europe/Berlin")).to_be_visible()
    assert_accessible(page)

    # Keyboard only: from "Show times", Tab reaches the first slot's Book button; Enter books it.
    first_when = slots.nth(1).get_by_role("cell").first.inner_text()
    page.get_by_role("button", name="Show times").focus()
    page.keyboard.press("Tab")
    first_book = slots.nth(1).get_by_role("button", name=re.compile(r"^Book"))
    expect(first_book).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text(re.compile(r"Booked: 30 minutes with Otto Mentor"))).to_be_visible()
    assert_accessible(page)
    session = MentoringSession.objects.for_org(mentee.organization).get()
    local = session.start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert first_when.startswith(f"{local:%a} {local.day} {local:%b}, {local:%H:%M}")
    assert (session.mentor, session.mentee, session.minutes) == (mentor, mentee, 30)

    # The availability page, with its forms, passes axe too.
    open_nav(page, "Availability")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your availability")
    assert_accessible(page)
