"""HR dashboards: pages, charts, CSV, API (same numbers), the k rule everywhere,
snapshots (incremental == full recompute) and the refresh enqueued on commit."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from metrics import snapshots
from metrics.compute.privacy import figure_values
from metrics.models import MetricSnapshot, RampMilestone, RoleEvent
from metrics.selectors import PERIODS, org_today
from metrics.signals_hooks import PENDING_KEY, events_changed
from metrics.tasks import progress_get, snapshots_recompute_task
from tests.factories import PersonFactory
from tests.metrics_dash_world import dash_world

K = 5


@pytest.fixture
def dash(org_a, manager, mentor, mentee, hr):
    return dash_world(org_a, mentor)


def page(client, org, **params):
    return client.get(reverse("metrics_dashboard", args=[org.slug]), params)


def api(api_client, org, **params):
    return api_client.get(reverse("api-metrics-dashboard-list", args=[org.slug]), params)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def html_table_rows(page_html: str) -> list[list[str]]:
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", page_html, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c).strip()) for c in cells])
    return rows


def small_figures(payload) -> list:
    return [(n, path) for n, path in figure_values(payload) if 0 < n < K]


# --- Access ---------------------------------------------------------------------------------------

def test_hr_sees_the_org_dashboard_with_every_table_and_chart(dash, hr, client_for):
    response = page(client_for(hr), dash.org)
    html = response.content.decode()

    assert response.status_code == 200
    for title in ("Ramp time", "Action completion", "Micro-outcomes", "Touch frequency", "Mentor load",
                  "Internal mobility", "Sentiment", "Participants vs comparison group"):
        assert title in html
    assert html.count('<img src="/o/acme/metrics/dashboard/charts/') == 5
    assert "18 people in this group" in html


@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_mentors_and_mentees_cannot_open_dashboards(role, dash, request, client_for, api_for):
    member = request.getfixturevalue(role)

    assert page(client_for(member), dash.org).status_code == 403
    assert api(api_for(member), dash.org).status_code == 403
    assert client_for(member).get(reverse("metrics_dashboard_export", args=[dash.org.slug])).status_code == 403


def test_another_orgs_cohort_id_is_not_found(dash, outsider, hr, client_for):
    from tests.factories_programs import CohortFactory

    foreign = CohortFactory(organization=outsider.organization, program__organization=outsider.organization,
                            status="published")

    assert page(client_for(hr), dash.org, cohort=foreign.pk).status_code == 404
    assert page(client_for(hr), dash.org, cohort="not-a-uuid").status_code == 404


def test_bad_custom_dates_are_field_errors_not_500(dash, hr, client_for, api_for):
    response = page(client_for(hr), dash.org, period="custom", **{"from": "2025-13-01", "to": "2025-01-01"})
    api_response = api(api_for(hr), dash.org, period="custom", **{"from": "2025-02-01", "to": "2025-01-01"})

    assert response.status_code == 400 and "Enter a date" in response.content.decode()
    assert api_response.status_code == 400 and "to" in api_response.json()["errors"]


# --- Figures, charts, CSV, API: the same numbers ------------------------------------------------

def test_org_ramp_time_matches_the_hand_count(dash, hr, api_for):
    # Participants p0–p4 ramp after 10–14 days, p5 censored; others c0–c4 after 30–34, c5 censored;
    # t0, t1 hired, never ramped (censored). 14 role starts, 10 ramped.
    # Ordered: 10 11 12 13 14 30 31 32 33 34 (events), then 4 censored at 60 days.
    # S after k events = (14 − k)/14; ≤ .5 at the 7th event (7/14) → 31 days; ≤ .25 never (4/14 left).
    body = api(api_for(hr), dash.org).json()
    ramp = body["figures"]["ramp"]

    assert (ramp["n"], ramp["ramped"], ramp["censored"], ramp["median_days"], ramp["p75_days"]) == \
        (14, 10, 4, 31, None)


def test_org_comparison_shows_both_n_and_an_interval(dash, hr, api_for):
    # Participants (mentor + p0–p5 in the cohort): 6 hires, KM median: 10 11 12 13 14 (e), 60 (c):
    # S = 5/6, 4/6, 3/6 at 12 → 12 days. Comparison: c0–c5 + t0, t1 = 8 hires: 30…34 (e), 3 censored:
    # S = 7/8, 6/8, 5/8, 4/8 at 33 → 33 days. Difference −21.
    ramp = api(api_for(hr), dash.org).json()["figures"]["comparison"]["ramp_days"]

    assert (ramp["participants"]["n"], ramp["comparison"]["n"]) == (6, 8)
    assert (ramp["participants"]["median"], ramp["comparison"]["median"]) == (12, 33)
    assert ramp["difference"]["difference"] == -21
    assert ramp["difference"]["low"] <= -21 <= ramp["difference"]["high"]
    assert ramp["difference"]["resamples"] >= 1000


def test_page_csv_and_api_show_the_same_cells(dash, hr, client_for, api_for):
    snapshots.snapshots_recompute_full(dash.org)
    html = page(client_for(hr), dash.org).content.decode()
    exported = csv_rows(client_for(hr).get(reverse("metrics_dashboard_export", args=[dash.org.slug])))
    body = api(api_for(hr), dash.org).json()

    api_rows = [row for table in body["tables"] for row in table["rows"]]
    csv_data = [r for r in exported[1:] if r and len(r) > 1 and r != exported[0]]
    csv_data = [r for r in csv_data if r not in [t["columns"] for t in body["tables"]]]
    week_rows = {i for i, r in enumerate(api_rows) if re.match(r"\d{4}-\d\d-\d\d", r[0])}

    assert body["from_snapshot"] is True
    assert [r for i, r in enumerate(api_rows) if i not in week_rows] == \
        [r for i, r in enumerate(html_table_rows(html)) if i not in week_rows]
    assert [r[1:] for r in api_rows] == [r[1:] for r in csv_data]


def test_each_table_exports_alone(dash, hr, client_for):
    response = client_for(hr).get(reverse("metrics_dashboard_export", args=[dash.org.slug]), {"table": "ramp"})
    rows = csv_rows(response)

    assert response["Content-Type"].startswith("text/csv")
    assert rows[2] == ["Ramp time"] and rows[4][0] == "Median (Kaplan–Meier)" and rows[4][1] == "31 days"


def test_charts_are_svg_without_script(dash, hr, client_for):
    for chart in ("durations", "touch", "load", "sentiment", "comparison"):
        response = client_for(hr).get(reverse("metrics_dashboard_chart", args=[dash.org.slug, chart]))

        assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
        assert b"<svg" in response.content and b"<script" not in response.content


def test_comments_appear_without_names_only_for_groups_meeting_k(dash, hr, client_for):
    org_html = page(client_for(hr), dash.org).content.decode()
    tiny_html = page(client_for(hr), dash.org, team="Tiny").content.decode()

    assert "Dashcomment 0" in org_html and "Dashpart" not in org_html
    assert "Dashcomment" not in tiny_html


# --- No figure with n < k anywhere --------------------------------------------------------------

def filters(dash):
    return [{}, {"team": "Tiny"}, {"team": "Data"}, {"team": "Platform"}, {"program": dash.program.pk},
            {"cohort": dash.cohort.pk}, {"cohort": dash.cohort.pk, "team": "Platform"},
            {"cohort": dash.cohort.pk, "team": "Data"},
            *({"period": key} for key in PERIODS),
            {"period": "custom", "from": str(org_today(dash.org) - timedelta(days=70)),
             "to": str(org_today(dash.org) - timedelta(days=20))}]


def test_no_figure_below_k_in_the_api_for_any_filter(dash, hr, api_for):
    snapshots.snapshots_recompute_full(dash.org)
    client = api_for(hr)

    leaks = {str(params): small_figures(api(client, dash.org, **params).json()["figures"])
             for params in filters(dash)}

    assert not any(leaks.values()), leaks


def test_no_figure_below_k_in_any_snapshot(dash):
    snapshots.snapshots_recompute_full(dash.org)

    leaks = [(row.scope, row.scope_key, row.metric, small_figures(row.payload))
             for row in MetricSnapshot.objects.for_org(dash.org) if small_figures(row.payload)]

    assert MetricSnapshot.objects.for_org(dash.org).exists() and not leaks


def test_a_tiny_team_shows_fewer_than_k_everywhere(dash, hr, client_for, api_for):
    html = page(client_for(hr), dash.org, team="Tiny").content.decode()
    exported = csv_rows(client_for(hr).get(reverse("metrics_dashboard_export", args=[dash.org.slug]),
                                           {"team": "Tiny"}))
    body = api(api_for(hr), dash.org, team="Tiny").json()

    rows = html_table_rows(html)
    assert rows and all("fewer than 5" in " ".join(row) for row in rows)
    assert all("fewer than 5" in " ".join(row) for row in exported[2:] if len(row) > 1
               and row not in [t["columns"] for t in body["tables"]])
    assert body["figures"]["group"] == {"suppressed": True, "reason": "fewer than 5"}
    assert "Dashtiny" not in html


def test_a_filter_leaving_fewer_than_k_of_its_cohort_out_is_suppressed(dash, hr, api_for):
    # The cohort: mentor + p0–p5 (7). Team Platform inside it: mentor + p0–p4 (6 ≥ k), but it leaves p5 alone
    # out: subtracting the two would reveal p5's figures.
    cohort = api(api_for(hr), dash.org, cohort=dash.cohort.pk).json()["figures"]
    platform = api(api_for(hr), dash.org, cohort=dash.cohort.pk, team="Platform").json()["figures"]

    assert cohort["group"] == {"n": 7}
    assert platform["group"]["suppressed"] and platform["ramp"].get("suppressed")


# --- Snapshots ----------------------------------------------------------------------------------

def payloads(org) -> dict:
    return {(r.scope, r.scope_key, r.metric, r.period_start, r.period_end): r.payload
            for r in MetricSnapshot.objects.for_org(org)}


def test_incremental_refresh_equals_a_full_recompute(dash, mentor):
    snapshots.snapshots_recompute_full(dash.org)
    before = payloads(dash.org)
    # New inputs: a hire and their milestone, a promotion, and one more logged session with a next step.
    today = org_today(dash.org)
    newcomer = PersonFactory(organization=dash.org, display_name="Dashnew", team="Data")
    RoleEvent.objects.for_org(dash.org).create(organization=dash.org, member=newcomer, kind="hire",
                                               effective_on=today - timedelta(days=20))
    RampMilestone.objects.for_org(dash.org).create(organization=dash.org, member=newcomer,
                                                   definition=dash.definition, reached_on=today - timedelta(days=5))
    RoleEvent.objects.for_org(dash.org).create(organization=dash.org, member=dash.others[0], kind="promotion",
                                               effective_on=today - timedelta(days=3))

    written = snapshots.snapshots_refresh(dash.org)
    incremental = payloads(dash.org)
    snapshots.snapshots_recompute_full(dash.org)
    full = payloads(dash.org)

    assert written > 0 and incremental != before
    assert incremental == full


def test_refresh_writes_nothing_when_nothing_changed(dash):
    snapshots.snapshots_recompute_full(dash.org)

    assert snapshots.snapshots_refresh(dash.org) == 0


def test_dashboard_reads_its_snapshot_in_flat_queries(dash, hr, client_for, django_assert_max_num_queries):
    snapshots.snapshots_recompute_full(dash.org)
    client = client_for(hr)
    page(client, dash.org)  # warm the session

    # session + user + org/membership + nav badge + choices (3) + snapshot: the same with 10 or 10,000 people.
    with django_assert_max_num_queries(12):
        response = page(client, dash.org)
    assert response.status_code == 200 and "from the latest snapshot" in response.content.decode()


# Org B: no earlier write of this test transaction has a refresh waiting for it.
def test_changes_enqueue_one_refresh_per_transaction_on_commit(org_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events_changed(org_b.pk, [uuid.uuid4()])
        events_changed(org_b.pk, [uuid.uuid4()])

    assert len(callbacks) == 1
    assert cache.get(PENDING_KEY.format(org_id=org_b.pk)) is None  # nothing before the commit
    callbacks[0]()
    assert cache.get(PENDING_KEY.format(org_id=org_b.pk)) == 1


def test_a_session_enqueues_a_refresh_on_commit(org_b, django_capture_on_commit_callbacks):
    from tests.factories_sessions import MentoringSessionFactory

    with django_capture_on_commit_callbacks(execute=True):
        MentoringSessionFactory(organization=org_b)

    assert cache.get(PENDING_KEY.format(org_id=org_b.pk)) == 1


def test_manager_recompute_shows_progress_and_hr_may_not_start_it(dash, manager, hr, client_for):
    url = reverse("metrics_recompute", args=[dash.org.slug])

    assert client_for(hr).post(url).status_code == 403
    assert client_for(manager).post(url).status_code == 302
    queued = client_for(manager).get(reverse("metrics_recompute_progress", args=[dash.org.slug]))
    assert b"Queued" in queued.content and b"hx-trigger" in queued.content
    snapshots_recompute_task(str(dash.org.pk))  # what the worker runs
    assert progress_get(str(dash.org.pk))["status"] == "done"
    assert MetricSnapshot.objects.for_org(dash.org).filter(scope="cohort", scope_key=str(dash.cohort.pk)).exists()


def test_dashboard_api_reads_its_snapshot_in_flat_queries(dash, hr, api_for, django_assert_max_num_queries):
    snapshots.snapshots_recompute_full(dash.org)
    client = api_for(hr)
    api(client, dash.org)  # the token's first use is written once

    # token + user + membership/org + the snapshot rows: the same with 10 or 10,000 people.
    with django_assert_max_num_queries(6):
        response = api(client, dash.org)
    assert response.status_code == 200 and response.json()["from_snapshot"] is True


def test_yesterdays_snapshot_is_served_with_its_dates_while_a_refresh_is_queued(dash, hr, api_for):
    from django.utils import timezone

    snapshots.snapshots_recompute_full(dash.org, now=timezone.now() - timedelta(days=1))
    cache.delete(PENDING_KEY.format(org_id=dash.org.pk))

    body = api(api_for(hr), dash.org).json()

    assert body["from_snapshot"] is True
    assert body["period_end"] == str(org_today(dash.org) - timedelta(days=1))
    assert cache.get(PENDING_KEY.format(org_id=dash.org.pk)) == 1


def n_cells(rows, columns) -> list[str]:
    """The cells of every "n" column of a table."""
    where = [i for i, name in enumerate(columns) if name.startswith("n")]
    return [row[i] for row in rows for i in where if i < len(row)]


def test_no_n_below_k_in_any_page_or_csv_table_for_any_filter(dash, hr, client_for):
    snapshots.snapshots_recompute_full(dash.org)
    client = client_for(hr)
    shown = []
    for params in filters(dash):
        page_html = page(client, dash.org, **params).content.decode()
        columns = [re.findall(r'<th scope="col">(.*?)</th>', head)
                   for head in re.findall(r"<thead>(.*?)</thead>", page_html, re.S)]
        bodies = re.findall(r"<tbody>(.*?)</tbody>", page_html, re.S)
        for head, body in zip(columns, bodies):
            shown += n_cells(html_table_rows(f"<tbody>{body}</tbody>"), head)
        exported = csv_rows(client.get(reverse("metrics_dashboard_export", args=[dash.org.slug]), params))
        header = None
        for row in exported[1:]:
            if len(row) > 1 and row[0] in ("Figure", "Minutes", "Sessions", "Sessions a week", "Week of"):
                header = row
            elif header and len(row) > 1:
                shown += n_cells([row], header)

    numbers = [int(cell) for cell in shown if cell.isdigit()]
    assert numbers and all(n == 0 or n >= K for n in numbers), sorted(set(numbers))
    assert all(cell == "—" or cell.isdigit() for cell in shown)
