"""The bench harness on a tiny database: sections run and give well-formed
figures; counts and invariants are judged, never wall-clock times."""

from __future__ import annotations

import importlib
import json

import pytest
from django.test import RequestFactory

from bench import booking, common, queries
from bench.__main__ import run_section, table, write_results
from mentoring import urls_bench
from mentoring.views import bench as bench_views


def measured(figures):
    return [f for f in figures if f["value"] is not None]


@pytest.mark.django_db
def test_queries_section_counts_the_same_queries_at_1_and_50_rows():
    figures = queries.run(common.Context())

    assert all(common.well_formed(f) for f in figures)
    assert {f["name"] for f in measured(figures)} >= {"queries.mentee_home", "queries.mentor_sessions",
                                                       "queries.next_steps_api", "queries.slots_api",
                                                       "queries.people_api"}
    assert [f["name"] for f in measured(figures) if not f["met"]] == []


@pytest.mark.django_db(transaction=True)
def test_booking_section_books_exactly_the_theoretical_maximum_without_double_bookings():
    figures = {f["name"]: f for f in booking.run(common.Context(scale=0.1))}

    assert all(common.well_formed(f) for f in figures.values())
    assert figures["booking.successes"]["value"] == figures["booking.successes"]["baseline"]
    assert (figures["booking.double_bookings"]["value"], figures["booking.cap_violations"]["value"],
            figures["booking.unexpected_errors"]["value"]) == (0, 0, 0)


def test_a_section_without_a_module_reports_a_null_figure_instead_of_crashing():
    figures = run_section("no_such_section", common.Context())

    assert [(f["value"], f["met"]) for f in figures] == [(None, False)]
    assert "not written yet" in figures[0]["note"]


def test_baseline_views_are_not_routed_by_default(client):
    assert client.get("/bench/bytes").status_code == 404


def test_baseline_routes_exist_only_when_bench_baselines_is_on(settings):
    settings.BENCH_BASELINES = True
    routed = {p.name for p in importlib.reload(urls_bench).urlpatterns}
    settings.BENCH_BASELINES = False

    assert routed == {"bench_bytes", "bench_query"}
    assert importlib.reload(urls_bench).urlpatterns == []


@pytest.mark.django_db
def test_one_query_baseline_renders_the_org_as_json(org_a):
    response = bench_views.one_query(RequestFactory().get("/"), slug=org_a.slug)

    assert json.loads(response.content)["slug"] == "acme"


@pytest.mark.django_db
def test_a_single_section_run_replaces_only_its_own_figures(tmp_path):
    path = tmp_path / "latest.json"
    old = [dict(common.figure("web.x.req_per_s", 1.0, "req/s"), section="web"),
           dict(common.figure("queries.x", 5, "queries", baseline=5), section="queries")]
    write_results(path, old, {"web": {}, "queries": {}}, None)

    write_results(path, [dict(common.figure("queries.x", 6, "queries", baseline=5), section="queries")],
                  {"queries": {}}, "queries")

    saved = json.loads(path.read_text())
    assert [(f["name"], f["value"]) for f in saved["figures"]] == [("web.x.req_per_s", 1.0), ("queries.x", 6)]
    assert set(saved["machine"]) >= {"cpus", "cpu_model", "python", "postgres"}


def test_the_table_shows_missing_values_and_notes():
    printed = table([common.missing("web.hr_dashboard_api.p95_ms", "ms", "answered HTTP 404", goal="< 50 ms")])

    assert "web.hr_dashboard_api.p95_ms" in printed and "answered HTTP 404" in printed and "NO" in printed
