"""The HR dashboard journey (issue 6): the HR viewer opens the dashboard from
the navigation and sees every chart drawn (a screenshot is kept under
test-output/browser/), filters by cohort, exports the CSV; the page passes
axe. The mentee cannot open it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from metrics import snapshots
from tests.browser.helpers import assert_accessible
from tests.metrics_dash_world import dash_world

pytestmark = pytest.mark.browser


def charts_drawn(page) -> list[int]:
    """Natural width of every chart image (0 = not drawn)."""
    return page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")


def test_hr_sees_charts_filters_by_cohort_and_exports_csv_and_the_mentee_cannot(
        signed_in_page, org_a, manager, mentor, mentee, hr, request):
    world = dash_world(org_a, mentor)
    snapshots.snapshots_recompute_full(org_a)

    page = signed_in_page(hr)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards").click()
    expect(page.get_by_role("heading", name="Impact dashboard")).to_be_visible()
    expect(page.get_by_text("from the latest snapshot")).to_be_visible()
    page.wait_for_load_state("networkidle")
    drawn = charts_drawn(page)
    assert len(drawn) == 5 and all(width > 0 for width in drawn), drawn
    out = Path(request.config.rootpath) / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "dashboard-hr.png"), full_page=True)
    assert_accessible(page)

    # Filter by cohort: the figures of the cohort's 7 people.
    page.get_by_label("Cohort").select_option(label=f"{world.program.name} · {world.cohort.name}")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"cohort={world.cohort.pk}"))
    expect(page.get_by_role("heading", name=re.compile(world.cohort.name))).to_be_visible()
    expect(page.get_by_text("7 people in this group")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert all(width > 0 for width in charts_drawn(page))
    assert_accessible(page)

    # Export every table of this filter.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export all tables (CSV)").click()
    exported = Path(download_info.value.path()).read_text()
    assert "Ramp time" in exported and "Participants vs comparison group" in exported
    assert world.cohort.name in exported

    # The mentee: no link in the navigation, and the page itself is refused.
    mentee_page = signed_in_page(mentee)
    expect(mentee_page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboards")).to_have_count(0)
    response = mentee_page.goto("/o/acme/metrics/dashboard/")
    assert response.status in (403, 404)
