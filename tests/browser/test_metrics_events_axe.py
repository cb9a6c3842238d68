"""People events and My progress in a real browser: record a role event and a
milestone with the keyboard-usable forms, import a CSV through the preview;
every page visited must pass axe."""

from datetime import date

import pytest
from playwright.sync_api import expect

from metrics import services_events as svc
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_hr_records_events_and_milestones_and_imports_a_csv(signed_in_page, org_a, hr, mentee, tmp_path):
    page = signed_in_page(hr)
    page.goto("/o/acme/metrics/events/")
    expect(page.get_by_text("No role events yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record a role event").click()
    page.get_by_label("Person's email").fill("mentee@acme.test")
    page.get_by_label("Kind").select_option("hire")
    page.get_by_label("Effective on").fill("2026-01-05")
    page.get_by_label("Team after").fill("Payments")
    assert_accessible(page)
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_role("cell", name="Mina Mentee", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto("/o/acme/metrics/ramp/definitions/")
    page.get_by_label("Name").fill("First change shipped")
    page.get_by_role("button", name="Add milestone").click()
    expect(page.get_by_role("cell", name="First change shipped", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto("/o/acme/metrics/ramp/milestones/new/")
    page.get_by_label("Person's email").fill("mentee@acme.test")
    page.get_by_label("Reached on").fill("2026-02-02")
    page.get_by_role("button", name="Record milestone").click()
    expect(page.get_by_role("cell", name="Mina Mentee", exact=True)).to_be_visible()
    assert_accessible(page)

    csv = tmp_path / "hris.csv"
    csv.write_text("email,kind,effective_on,title_before,title_after\n"
                   "mentee@acme.test,promotion,2026-03-02,Engineer,Senior Engineer\n")
    page.goto("/o/acme/metrics/import/")
    assert_accessible(page)
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("button", name="Apply import")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Apply import").click()
    expect(page.get_by_text("Import applied: 1 added")).to_be_visible()


def test_my_progress_passes_axe_for_a_mentee(signed_in_page, org_a, manager, mentee):
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2026, 1, 5))
    svc.ramp_definition_create(actor=manager, name="First change shipped")

    page = signed_in_page(mentee)
    page.goto("/o/acme/metrics/me/")
    expect(page.get_by_role("heading", name="My progress")).to_be_visible()
    expect(page.get_by_text("Not reached yet")).to_be_visible()
    assert_accessible(page)
