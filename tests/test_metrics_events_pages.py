"""The metrics inputs' pages: role events (list, filter, record, correct,
delete with confirmation), ramp definitions and milestones, CSV import."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import services_events as svc
from metrics.models import RampMilestone, RampMilestoneDefinition, RoleEvent
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=["acme", *args])


def test_the_list_filters_by_kind_team_and_date(org_a, manager, mentee, mentor, client_for):
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 1, 6),
                          team_after="Payments")
    svc.role_event_record(actor=manager, member=mentor, kind="transfer", effective_on=date(2025, 6, 2),
                          team_before="Payments", team_after="Zebrasearch")
    client = client_for(manager)

    by_kind = client.get(url("role_event_list") + "?kind=transfer").content.decode()
    by_team = client.get(url("role_event_list") + "?team=Zebrasearch").content.decode()
    by_date = client.get(url("role_event_list") + "?date_to=2025-03-01").content.decode()

    assert "Otto Mentor" in by_kind and "Mina Mentee" not in by_kind
    assert "Otto Mentor" in by_team and "Mina Mentee" not in by_team
    assert "Mina Mentee" in by_date and "Otto Mentor" not in by_date


def test_an_empty_list_says_how_to_start(manager, client_for):
    response = client_for(manager).get(url("role_event_list"))

    assert "No role events yet" in response.content.decode()


def test_recording_an_event_through_the_form(org_a, manager, mentee, client_for):
    client = client_for(manager)

    refused = client.post(url("role_event_create"), {"member": "nobody@acme.test", "kind": "hire",
                                                     "effective_on": "2025-01-06"})
    recorded = client.post(url("role_event_create"), {"member": "MENTEE@acme.test", "kind": "transfer",
                                                      "effective_on": "2025-01-06", "team_before": "A",
                                                      "team_after": "A"})
    fixed = client.post(url("role_event_create"), {"member": "mentee@acme.test", "kind": "transfer",
                                                   "effective_on": "2025-01-06", "team_before": "A",
                                                   "team_after": "B"})

    assert refused.status_code == 400 and "Nobody with this email" in refused.content.decode()
    assert recorded.status_code == 400 and "A transfer needs a new team" in recorded.content.decode()
    assert fixed.status_code == 302
    assert RoleEvent.objects.for_org(org_a).get().team_after == "B"


def test_correcting_and_deleting_an_event_after_confirmation(org_a, manager, mentee, client_for):
    event = svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 1, 6))
    client = client_for(manager)

    edited = client.post(url("role_event_edit", event.pk), {"kind": "hire", "effective_on": "2025-01-13"})
    confirm = client.get(url("role_event_delete", event.pk))
    still_there = RoleEvent.objects.for_org(org_a).filter(effective_on=date(2025, 1, 13)).exists()
    deleted = client.post(url("role_event_delete", event.pk))

    assert edited.status_code == 302 and still_there
    assert confirm.status_code == 200 and "Delete role event" in confirm.content.decode()
    assert deleted.status_code == 302
    assert not RoleEvent.objects.for_org(org_a).exists()


def test_definitions_and_milestones_through_the_pages(org_a, hr, mentee, client_for):
    client = client_for(hr)

    client.post(url("ramp_definition_list"), {"name": "First change shipped", "description": ""})
    definition = RampMilestoneDefinition.objects.for_org(org_a).get()
    recorded = client.post(url("ramp_milestone_create"), {"member": "mentee@acme.test",
                                                          "definition": str(definition.pk),
                                                          "reached_on": "2025-02-03"})
    listed = client.get(url("ramp_milestone_list")).content.decode()
    milestone = RampMilestone.objects.for_org(org_a).get()
    confirm = client.get(url("ramp_definition_delete", definition.pk)).content.decode()
    client.post(url("ramp_definition_delete", definition.pk))

    assert definition.is_active
    assert recorded.status_code == 302 and milestone.member == mentee
    assert "Mina Mentee" in listed and "First change shipped" in listed
    assert "The 1 milestone" in confirm
    assert not RampMilestoneDefinition.objects.for_org(org_a).exists()


def test_import_upload_preview_apply(org_a, manager, mentee, client_for):
    client = client_for(manager)
    content = "email,kind,effective_on,team_after\nmentee@acme.test,hire,2025-01-06,Payments\n"

    uploaded = client.post(url("event_import"), {"kind": "events", "file": SimpleUploadedFile(
        "hris.csv", content.encode(), content_type="text/csv")})
    preview = client.get(uploaded["Location"]).content.decode()
    applied = client.post(uploaded["Location"])

    assert uploaded.status_code == 302
    assert "Apply import" in preview and "Mina Mentee" in preview
    assert applied.status_code == 302
    assert RoleEvent.objects.for_org(org_a).get().team_after == "Payments"


def test_a_bad_import_shows_problems_and_no_apply_button(manager, client_for):
    client = client_for(manager)
    content = "email,kind,effective_on\nnobody@acme.test,hire,2025-01-06\n"

    uploaded = client.post(url("event_import"), {"kind": "events", "file": SimpleUploadedFile(
        "hris.csv", content.encode(), content_type="text/csv")})
    preview = client.get(uploaded["Location"]).content.decode()

    assert "is not a person in Acme" in preview and "Apply import" not in preview


def test_templates_download_for_each_kind(manager, client_for):
    client = client_for(manager)

    events = client.get(url("event_import_template", "events"))
    milestones = client.get(url("event_import_template", "milestones"))

    assert events.content.decode().startswith("email,kind,effective_on,")
    assert milestones.content.decode().startswith("email,milestone,reached_on")
    assert client.get(url("event_import_template", "salaries")).status_code == 404


def test_mentors_and_mentees_get_403(mentor, mentee, client_for):
    assert client_for(mentee).get(url("role_event_list")).status_code == 403
    assert client_for(mentor).get(url("event_import")).status_code == 403


@pytest.mark.parametrize("name", ["role_event_list", "ramp_milestone_list", "ramp_definition_list"])
def test_list_pages_queries_do_not_grow_with_rows(org_a, manager, client_for, name, django_assert_num_queries):
    definition = svc.ramp_definition_create(actor=manager, name="Shipped")
    client = client_for(manager)

    def add(n):
        for index in range(n):
            person = PersonFactory(organization=org_a, team=f"Team {index}")
            svc.role_event_record(actor=manager, member=person, kind="hire", effective_on=date(2025, 1, 6),
                                  team_after=f"Team {index}")
            svc.ramp_milestone_record(actor=manager, member=person, definition=definition,
                                      reached_on=date(2025, 3, 3))
            svc.ramp_definition_create(actor=manager, name=f"Other {person.pk}")

    add(1)
    client.get(url(name))
    with CaptureQueriesContext(connection) as one:
        client.get(url(name))
    add(9)
    with django_assert_num_queries(len(one)):
        response = client.get(url(name))

    assert response.status_code == 200
