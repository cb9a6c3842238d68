"""The programs API: the manager's loop over HTTP, roles, ids from other orgs,
errors as JSON, flat query counts on lists."""

from datetime import date, timedelta

import pytest

from mentoring import services
from mentoring.models_programs import Pair, PairChange
from tests.factories_programs import CohortFactory, PairFactory, ProgramFactory

pytestmark = [pytest.mark.django_db]
BASE = "/api/v1/orgs/acme"


def test_manager_runs_the_whole_loop_over_the_api(org_a, manager, mentor, mentee, api_for):
    services.person_update(actor=manager, membership=mentor, work_items=[("Payments v2", "")])
    services.person_update(actor=manager, membership=mentee, work_items=[("Payments v2", "")],
                           hire_date=date.today() - timedelta(days=5))
    api = api_for(manager)

    program = api.post(f"{BASE}/programs/", {"name": "Onboarding", "first_cohort": {
        "name": "Spring", "starts_on": "2026-03-02", "ends_on": "2026-04-13"}}, format="json")
    cohort = api.get(f"{BASE}/cohorts/?program={program.data['id']}").data["results"][0]
    added = api.post(f"{BASE}/participants/", {"cohort": cohort["id"], "role": "mentee",
                                                "filter": {"hired_within_days": 90}}, format="json")
    api.post(f"{BASE}/participants/", {"cohort": cohort["id"], "role": "mentor",
                                       "membership_ids": [str(mentor.pk)]}, format="json")
    run = api.post(f"{BASE}/cohorts/{cohort['id']}/run/")
    pairs = api.get(f"{BASE}/pairs/?cohort={cohort['id']}").data["results"]
    locked = api.post(f"{BASE}/pairs/{pairs[0]['id']}/lock/")
    published = api.post(f"{BASE}/cohorts/{cohort['id']}/publish/")
    history = api.get(f"{BASE}/cohorts/{cohort['id']}/history/").data["results"]
    progress = api.get(f"{BASE}/pairing-runs/{run.data['id']}/")

    assert program.status_code == 201 and added.status_code == 201
    assert added.data == {"added": 1, "skipped": 0}
    assert (run.status_code, run.data["status"], run.data["pair_count"]) == (200, "done", 1)
    assert pairs[0]["mentor"]["person"]["display_name"] == "Otto Mentor"
    assert "both on Payments v2" in pairs[0]["reasons"]
    assert locked.data["locked"] is True
    assert published.data["status"] == "published"
    assert [h["action"] for h in history] == ["publish", "lock", "run", "participants", "participants"]
    assert progress.data["progress"] == 100


def test_a_short_cohort_is_a_400_naming_the_field(org_a, manager, api_for):
    program = ProgramFactory(organization=org_a)

    response = api_for(manager).post(f"{BASE}/cohorts/", {
        "program": str(program.pk), "name": "C", "starts_on": "2026-03-02", "ends_on": "2026-03-10"}, format="json")

    assert response.status_code == 400
    assert "4 to 8 weeks" in response.data["errors"]["ends_on"][0]


def test_ids_of_another_org_in_the_body_are_refused(org_a, org_b, manager, outsider, api_for):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a))
    foreign_program = ProgramFactory(organization=org_b)
    api = api_for(manager)

    cohort_in_b = api.post(f"{BASE}/cohorts/", {"program": str(foreign_program.pk), "name": "C",
                                                "starts_on": "2026-03-02", "ends_on": "2026-04-13"}, format="json")
    person_in_b = api.post(f"{BASE}/participants/", {"cohort": str(cohort.pk), "role": "mentee",
                                                     "membership_ids": [str(outsider.pk)]}, format="json")

    assert cohort_in_b.status_code == person_in_b.status_code == 400


def test_swap_against_a_rule_is_a_400_and_changes_nothing(org_a, manager, api_for):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a))
    one, two = PairFactory(cohort=cohort), PairFactory(cohort=cohort)
    two.mentee.opt_outs.set([one.mentor.membership])

    response = api_for(manager).post(f"{BASE}/pairs/{one.pk}/swap/", {"other": str(two.pk)}, format="json")

    one.refresh_from_db()
    assert response.status_code == 400
    assert "opted out" in response.data["detail"]
    assert one.mentor_id != two.mentor_id and not PairChange.objects.for_org(org_a).exists()


@pytest.mark.parametrize("method,path", [
    ("get", "/programs/"), ("post", "/programs/"), ("get", "/cohorts/"), ("post", "/cohorts/"),
    ("get", "/participants/"), ("post", "/participants/"), ("post", "/pairs/")])
def test_a_mentee_gets_403_on_manager_endpoints(method, path, mentee, api_for):
    response = getattr(api_for(mentee), method)(f"{BASE}{path}", {}, format="json")

    assert response.status_code == 403


def test_a_member_sees_only_their_own_published_pairs(org_a, mentee, api_for):
    published = CohortFactory(program=ProgramFactory(organization=org_a), status="published")
    draft = CohortFactory(program=published.program)
    mine = PairFactory(cohort=published, mentee__membership=mentee)
    PairFactory(cohort=draft, mentee__membership=mentee)
    PairFactory(cohort=published)

    response = api_for(mentee).get(f"{BASE}/pairs/")

    assert [p["id"] for p in response.data["results"]] == [str(mine.pk)]


@pytest.mark.parametrize("path", ["/programs/", "/cohorts/", "/participants/", "/pairs/"])
def test_list_endpoints_cost_the_same_queries_for_1_and_10_rows(path, org_a, manager, api_for,
                                                                django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(manager)
    program = ProgramFactory(organization=org_a)
    PairFactory(cohort=CohortFactory(program=program))
    api.get(f"{BASE}{path}")  # warm-up: the token's last use
    with CaptureQueriesContext(connection) as one:
        api.get(f"{BASE}{path}")
    for _ in range(9):
        pair = PairFactory(cohort=CohortFactory(program=ProgramFactory(organization=org_a)))
        pair.mentee.goal_skills.set(services._skills_for(org_a, ["Go"]))

    with django_assert_num_queries(len(one)):
        response = api.get(f"{BASE}{path}")
    assert response.data["count"] >= 10
    assert Pair.objects.for_org(org_a).count() == 10
