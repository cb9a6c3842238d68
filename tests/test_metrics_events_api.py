"""The metrics inputs' API: role events, ramp definitions and milestones over
HTTP, roles, ids from other orgs, errors as JSON, CSV import, flat query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import services_events as svc
from metrics.models import RampMilestone, RoleEvent
from metrics.selectors_events import org_today
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/acme/metrics"


def test_hr_records_corrects_and_deletes_a_role_event(org_a, hr, mentee, api_for):
    api = api_for(hr)

    created = api.post(f"{BASE}/role-events/", {"member": str(mentee.pk), "kind": "promotion",
                                                "effective_on": "2025-04-01", "title_before": "Engineer",
                                                "title_after": "Senior Engineer"}, format="json")
    patched = api.patch(f"{BASE}/role-events/{created.data['id']}/", {"effective_on": "2025-04-02"}, format="json")
    listed = api.get(f"{BASE}/role-events/?kind=promotion").data["results"]
    deleted = api.delete(f"{BASE}/role-events/{created.data['id']}/")

    assert created.status_code == 201
    assert (created.data["member"]["display_name"], created.data["source"]) == ("Mina Mentee", "api")
    assert (patched.data["effective_on"], patched.data["title_after"]) == ("2025-04-02", "Senior Engineer")
    assert [e["id"] for e in listed] == [created.data["id"]]
    assert deleted.status_code == 204
    assert not RoleEvent.objects.for_org(org_a).exists()


def test_a_future_date_and_a_person_of_another_org_are_400s_naming_the_field(manager, mentee, outsider, api_for):
    too_late = org_today(manager.organization) + timedelta(days=2)
    api = api_for(manager)

    future = api.post(f"{BASE}/role-events/", {"member": str(mentee.pk), "kind": "hire",
                                               "effective_on": too_late.isoformat()}, format="json")
    foreign = api.post(f"{BASE}/role-events/", {"member": str(outsider.pk), "kind": "hire",
                                                "effective_on": "2025-01-06"}, format="json")

    assert future.status_code == 400 and "effective_on" in future.json()["errors"]
    assert foreign.status_code == 400 and "member" in foreign.json()["errors"]


def test_the_same_event_twice_is_a_409(manager, mentee, api_for):
    body = {"member": str(mentee.pk), "kind": "hire", "effective_on": "2025-01-06"}
    api = api_for(manager)
    api.post(f"{BASE}/role-events/", body, format="json")

    assert api.post(f"{BASE}/role-events/", body, format="json").status_code == 409


def test_mentors_and_mentees_cannot_read_the_inputs(mentor, mentee, api_for):
    assert api_for(mentee).get(f"{BASE}/role-events/").status_code == 403
    assert api_for(mentor).get(f"{BASE}/ramp-milestones/").status_code == 403
    assert api_for(mentee).post(f"{BASE}/ramp-definitions/", {"name": "x"}, format="json").status_code == 403


def test_definitions_and_milestones_over_the_api(org_a, manager, mentee, api_for):
    api = api_for(manager)

    first = api.post(f"{BASE}/ramp-definitions/", {"name": "First change shipped"}, format="json")
    second = api.post(f"{BASE}/ramp-definitions/", {"name": "Signed off"}, format="json")
    activated = api.patch(f"{BASE}/ramp-definitions/{second.data['id']}/", {"is_active": True}, format="json")
    definitions = {d["name"]: d["is_active"] for d in api.get(f"{BASE}/ramp-definitions/").data["results"]}
    milestone = api.post(f"{BASE}/ramp-milestones/", {"member": str(mentee.pk), "definition": second.data["id"],
                                                      "reached_on": "2025-02-03"}, format="json")
    filtered = api.get(f"{BASE}/ramp-milestones/?definition={first.data['id']}").data["results"]

    assert (first.data["is_active"], second.data["is_active"], activated.data["is_active"]) == (True, False, True)
    assert definitions == {"First change shipped": False, "Signed off": True}
    assert (milestone.status_code, milestone.data["definition_name"]) == (201, "Signed off")
    assert filtered == []
    assert api.delete(f"{BASE}/ramp-milestones/{milestone.data['id']}/").status_code == 204
    assert not RampMilestone.objects.for_org(org_a).exists()


def test_a_definition_id_of_another_org_is_a_400(manager, mentee, outsider, api_for):
    foreign = svc.ramp_definition_create(actor=outsider, name="Globex shipped")

    response = api_for(manager).post(f"{BASE}/ramp-milestones/", {
        "member": str(mentee.pk), "definition": str(foreign.pk), "reached_on": "2025-02-03"}, format="json")

    assert response.status_code == 400 and "definition" in response.json()["errors"]


def test_csv_import_previews_by_default_and_applies_on_request(org_a, manager, mentee, api_for):
    api = api_for(manager)
    content = "email,kind,effective_on,team_after\nmentee@acme.test,hire,2025-01-06,Payments\n"

    preview = api.generic("POST", f"{BASE}/role-events/import/", content, content_type="text/csv")
    counted_before_apply = RoleEvent.objects.for_org(org_a).count()
    applied = api.generic("POST", f"{BASE}/role-events/import/?apply=1", content, content_type="text/csv")
    again = api.generic("POST", f"{BASE}/role-events/import/?apply=1", content, content_type="text/csv")

    assert (preview.status_code, preview.data["ok"], preview.data["applied"]) == (200, True, False)
    assert counted_before_apply == 0
    assert (applied.data["applied"], applied.data["create_count"]) == (True, 1)
    assert (again.data["create_count"], again.data["unchanged_count"]) == (0, 1)


def test_a_bad_csv_is_refused_whole_with_row_errors(org_a, manager, api_for):
    content = "email,kind,effective_on\nnobody@acme.test,hire,2025-01-06\n"

    response = api_for(manager).generic("POST", f"{BASE}/role-events/import/?apply=1", content,
                                        content_type="text/csv")

    assert response.status_code == 400
    assert response.json()["row_errors"] == [{"row": 2, "field": "email", "message": response.json()[
        "row_errors"][0]["message"]}]
    assert not RoleEvent.objects.for_org(org_a).exists()


@pytest.mark.parametrize("path", ["role-events/", "ramp-milestones/"])
def test_list_queries_do_not_grow_with_rows(org_a, manager, api_for, path, django_assert_num_queries):
    definition = svc.ramp_definition_create(actor=manager, name="Shipped")
    api = api_for(manager)

    def add(n):
        for _ in range(n):
            person = PersonFactory(organization=org_a)
            svc.role_event_record(actor=manager, member=person, kind="hire", effective_on=date(2025, 1, 6))
            svc.ramp_milestone_record(actor=manager, member=person, definition=definition,
                                      reached_on=date(2025, 3, 3))

    add(1)
    api.get(f"{BASE}/{path}")  # warm-up: the token's last use
    with CaptureQueriesContext(connection) as one:
        api.get(f"{BASE}/{path}")
    add(9)
    with django_assert_num_queries(len(one)):
        response = api.get(f"{BASE}/{path}")

    assert response.data["count"] == 10
