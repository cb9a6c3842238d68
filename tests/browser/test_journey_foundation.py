"""The foundation journey (issue 2, item 12): a manager signs in, invites a
person, imports a CSV, finds the imported people; an outsider cannot open
the org. Every page visited must pass axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser

PEOPLE_CSV = (
    "email,display_name,title,team,skills\n"
    "ada@acme.test,Ada Lovelace,Staff Engineer,Payments,System design;Go\n"
    "grace@acme.test,Grace Hopper,Engineer,Compilers,COBOL\n"
)


def open_nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_manager_invites_imports_and_finds_people_and_outsider_gets_404(signed_in_page, manager, outsider,
                                                                        tmp_path):
    page = signed_in_page(manager)
    expect(page).to_have_url(re.compile(r"/o/acme/$"))
    assert_accessible(page)

    # Invite someone as a mentor.
    open_nav(page, "Invitations")
    expect(page).to_have_url(re.compile(r"/o/acme/invitations/$"))
    assert_accessible(page)
    page.get_by_label("Email address").fill("newcomer@example.test")
    page.get_by_label("Mentor", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    invitation_row = page.get_by_role("row", name=re.compile(r"newcomer@example\.test"))
    expect(invitation_row).to_contain_text("pending")
    expect(invitation_row).to_contain_text("Mentor")
    assert_accessible(page)
    assert [m.to for m in mail.outbox] == [["newcomer@example.test"]]

    # Import two people from a CSV file: upload, preview, apply.
    open_nav(page, "People")
    page.get_by_role("main").get_by_role("link", name="Import CSV").click()
    expect(page).to_have_url(re.compile(r"/o/acme/people/import/$"))
    assert_accessible(page)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(PEOPLE_CSV)
    page.get_by_label("People CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import preview")
    expect(page.get_by_role("row", name=re.compile("Ada Lovelace"))).to_contain_text("create")
    expect(page.get_by_role("row", name=re.compile("Grace Hopper"))).to_contain_text("create")
    assert_accessible(page)
    page.get_by_role("button", name="Apply import").click()
    expect(page).to_have_url(re.compile(r"/o/acme/people/$"))
    expect(page.get_by_text(re.compile(r"2 created"))).to_be_visible()
    assert_accessible(page)

    # Find one of them by name.
    search = page.get_by_label("Search")
    search.fill("Grace")
    search.press("Enter")
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_have_count(0)
    assert_accessible(page)

    # Someone of another organisation cannot open this one.
    stranger = signed_in_page(outsider)
    response = stranger.goto("/o/acme/people/")
    assert response.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text(re.compile("not found", re.I))
    expect(stranger.get_by_text("Grace Hopper")).to_have_count(0)
    assert_accessible(stranger)
