"""API of external mentors: template, terms, agreements and acceptance,
statements (JSON and CSV), and participants' own goals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mentoring import services_external as svc
from mentoring.models import AuditEvent
from mentoring.selectors_external import org_today
from tests.factories import MembershipFactory
from tests.factories_programs import ParticipantFactory
from tests.factories_sessions import MentoringSessionFactory

ORG = "/api/v1/orgs/acme"


@pytest.fixture
def expert(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, is_external=True, display_name="Erna Expert",
                             user__email="erna@acme.test")


def terms_body(org, **changes):
    today = org_today(org)
    return {"hourly_rate": "125.00", "currency": "EUR", "trial_sessions": 2,
            "trial_starts_on": (today - timedelta(days=60)).isoformat(),
            "trial_ends_on": (today + timedelta(days=5)).isoformat(), "monthly_cap": 4, **changes}


def test_a_manager_sets_terms_and_the_mentor_accepts_over_the_api(manager, expert, org_a, api_for):
    set_terms = api_for(manager).put(f"{ORG}/external-mentors/{expert.pk}/terms/", terms_body(org_a), format="json")
    mentor_api = api_for(expert)
    agreement_id = set_terms.json()["id"]

    mine = mentor_api.get(f"{ORG}/agreements/").json()["results"]
    accepted = mentor_api.post(f"{ORG}/agreements/{agreement_id}/accept/")
    again = mentor_api.post(f"{ORG}/agreements/{agreement_id}/accept/")

    assert set_terms.status_code == 200 and set_terms.json()["status"] == "pending"
    assert [a["id"] for a in mine] == [agreement_id]
    assert accepted.status_code == 200 and accepted.json()["accepted_by"] == str(expert.pk)
    assert again.status_code == 409


def test_the_external_mentor_list_shows_trial_flags_to_managers_only(manager, expert, mentor, org_a, api_for):
    svc.external_terms_set(actor=manager, mentor=expert, **terms_body(org_a))

    listed = api_for(manager).get(f"{ORG}/external-mentors/")
    refused = api_for(mentor).get(f"{ORG}/external-mentors/")

    (row,) = listed.json()["results"]
    assert row["trial"]["ending_soon"] is True and row["trial"]["days_left"] == 5
    assert row["agreement"]["status"] == "pending" and row["terms"]["monthly_cap"] == 4
    assert refused.status_code == 403


def test_bad_terms_are_field_errors(manager, expert, org_a, api_for):
    api = api_for(manager)
    cap = api.put(f"{ORG}/external-mentors/{expert.pk}/terms/", terms_body(org_a, monthly_cap=0), format="json")
    currency = api.put(f"{ORG}/external-mentors/{expert.pk}/terms/", terms_body(org_a, currency="E1R"),
                       format="json")

    assert (cap.status_code, set(cap.json()["errors"])) == (400, {"monthly_cap"})
    assert (currency.status_code, set(currency.json()["errors"])) == (400, {"currency"})


@pytest.fixture
def november(manager, expert, mentee, org_a):
    svc.agreement_accept(actor=expert, agreement=svc.external_terms_set(actor=manager, mentor=expert,
                                                                        **terms_body(org_a)),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    for day, minutes in ((3, 25), (10, 15)):
        start = datetime(2026, 11, day, 9, tzinfo=timezone.utc)
        MentoringSessionFactory(organization=org_a, mentor=expert, mentee=mentee, logged=True, start=start,
                                end=start + timedelta(minutes=30), actual_minutes=minutes)


def test_the_statement_is_json_with_lines_and_totals(manager, expert, api_for, november):
    response = api_for(manager).get(f"{ORG}/external-mentors/{expert.pk}/statement/?month=2026-11")

    body = response.json()
    # 25 min × 125/h = 52.0833 -> 52.08; 15 min = 31.25; the total adds the rounded lines.
    assert [line["amount"] for line in body["lines"]] == ["52.08", "31.25"]
    assert body["totals"] == [{"currency": "EUR", "amount": "83.33"}]
    assert (body["month"], body["minutes"]) == ("2026-11", 40)


def test_a_malformed_month_is_a_field_error(manager, expert, api_for, november):
    response = api_for(manager).get(f"{ORG}/external-mentors/{expert.pk}/statement/?month=2026-13")

    assert response.status_code == 400 and "month" in response.json()["errors"]


def test_the_mentor_reads_their_own_statement_and_not_another_s(expert, org_a, api_for, november):
    other = MembershipFactory(organization=org_a, is_mentor=True, is_external=True)

    own = api_for(expert).get(f"{ORG}/external-mentors/{expert.pk}/statement/?month=2026-11")
    theirs = api_for(expert).get(f"{ORG}/external-mentors/{other.pk}/statement/?month=2026-11")

    assert own.status_code == 200 and theirs.status_code == 404


def test_the_statement_csv_is_audited(manager, expert, org_a, api_for, november):
    response = api_for(manager).get(f"{ORG}/external-mentors/{expert.pk}/statement-csv/?month=2026-11")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[-1] == "total,2026-11,,,40,,EUR,83.33,2 trial"
    assert AuditEvent.objects.for_org(org_a).filter(action="compensation.export").count() == 1


def test_the_template_is_read_and_edited_by_managers(manager, mentor, api_for):
    default = api_for(manager).get(f"{ORG}/agreement-template/").json()
    edited = api_for(manager).patch(f"{ORG}/agreement-template/", {"body": "Hi {mentor}"}, format="json")
    unknown = api_for(manager).patch(f"{ORG}/agreement-template/", {"body": "Hi {boss}"}, format="json")

    assert default["version"] == 0 and "{mentor}" in default["body"] and "cap" in default["placeholders"]
    assert edited.json()["version"] == 1
    assert unknown.status_code == 400 and "body" in unknown.json()["errors"]
    assert api_for(mentor).get(f"{ORG}/agreement-template/").status_code == 403


def test_participants_edit_their_own_goals_over_the_api(mentee, org_a, api_for):
    mine = ParticipantFactory(cohort__program__organization=org_a, membership=mentee)
    theirs = ParticipantFactory(cohort=mine.cohort)
    api = api_for(mentee)

    listed = api.get(f"{ORG}/my-participations/").json()["results"]
    patched = api.patch(f"{ORG}/my-participations/{mine.pk}/",
                        {"goals": "Ship the parser", "goal_skills": ["Parsing"]}, format="json")
    other = api.patch(f"{ORG}/my-participations/{theirs.pk}/", {"goals": "x"}, format="json")

    assert [p["id"] for p in listed] == [str(mine.pk)]
    assert patched.json()["goals"] == "Ship the parser" and patched.json()["goal_skills"] == ["Parsing"]
    assert other.status_code == 404


def test_the_external_mentor_list_runs_the_same_queries_for_one_or_six_mentors(manager, org_a, api_for,
                                                                             django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(manager)

    def add(n):
        for _ in range(n):
            mentor = MembershipFactory(organization=org_a, is_mentor=True, is_external=True)
            svc.external_terms_set(actor=manager, mentor=mentor, **terms_body(org_a))

    add(1)
    api.get(f"{ORG}/external-mentors/")  # the first call also stamps the token's last use
    with CaptureQueriesContext(connection) as one:
        api.get(f"{ORG}/external-mentors/")
    add(5)
    with django_assert_num_queries(len(one)):
        response = api.get(f"{ORG}/external-mentors/")
    assert response.json()["count"] == 6
