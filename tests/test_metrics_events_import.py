"""Importing role events and ramp milestones from an HRIS export: preview,
all or nothing, idempotent, bounded, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mentoring.errors import Conflict, DomainError
from mentoring.models import AuditEvent
from metrics import events_csv
from metrics import services_events as svc
from metrics import services_events_import as imports
from metrics.models import RampMilestone, RoleEvent
from metrics.selectors_events import org_today
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

EVENTS = """email,kind,effective_on,title_before,title_after,team_before,team_after
ada@acme.test,hire,2025-01-06,,Engineer,,Payments
ada@acme.test,transfer,2025-06-02,Engineer,Engineer,Payments,Search
bob@acme.test,promotion,2025-04-01,Engineer,Senior Engineer,Search,Search
"""


@pytest.fixture
def people(org_a):
    return {name: PersonFactory(organization=org_a, email=f"{name}@acme.test", display_name=name.title())
            for name in ("ada", "bob")}


def upload(actor, content, kind="events"):
    return imports.event_import_upload(actor=actor, kind=kind, filename="hris.csv", content=content)


def test_a_valid_file_previews_then_applies_and_is_audited(org_a, manager, people):
    uploaded = upload(manager, EVENTS)

    preview = imports.event_import_preview(org=org_a, event_import=uploaded)
    result = imports.event_import_apply(actor=manager, event_import=uploaded)

    assert (preview["ok"], preview["create_count"], [r["action"] for r in preview["rows"]]) == \
        (True, 3, ["create"] * 3)
    assert RoleEvent.objects.for_org(org_a).count() == 3
    assert set(RoleEvent.objects.for_org(org_a).values_list("source", flat=True)) == {"import"}
    assert (result["created"], result["unchanged"]) == (3, 0)
    assert AuditEvent.objects.for_org(org_a).filter(action="metrics.import").get().after["rows"] == 3


def test_importing_the_same_file_again_changes_nothing(org_a, manager, people):
    imports.event_import_apply(actor=manager, event_import=upload(manager, EVENTS))
    before = sorted(RoleEvent.objects.for_org(org_a).values_list("id", "kind", "effective_on", "title_after"))

    again = upload(manager, EVENTS)
    preview = imports.event_import_preview(org=org_a, event_import=again)
    result = imports.event_import_apply(actor=manager, event_import=again)

    assert (preview["create_count"], preview["unchanged_count"]) == (0, 3)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 3)
    assert sorted(RoleEvent.objects.for_org(org_a).values_list("id", "kind", "effective_on", "title_after")) == before


def test_a_row_with_other_titles_updates_the_event_of_that_day(org_a, manager, people):
    imports.event_import_apply(actor=manager, event_import=upload(manager, EVENTS))
    corrected = "email,kind,effective_on,title_after\nbob@acme.test,promotion,2025-04-01,Staff Engineer\n"

    result = imports.event_import_apply(actor=manager, event_import=upload(manager, corrected))

    bob = RoleEvent.objects.for_org(org_a).get(member=people["bob"])
    assert result["updated"] == 1
    assert (bob.title_before, bob.title_after) == ("Engineer", "Staff Engineer")  # a missing column is kept


def test_every_problem_is_listed_per_row_and_nothing_is_written(org_a, manager, people):
    too_late = org_today(org_a) + timedelta(days=2)
    bad = ("email,kind,effective_on,team_before,team_after\n"
           "nobody@acme.test,hire,2025-01-06,,Payments\n"
           "ada@acme.test,demotion,2025-01-06,,\n"
           f"ada@acme.test,hire,{too_late:%Y-%m-%d},,\n"
           "bob@acme.test,transfer,2025-02-03,Search,Search\n"
           "bob@acme.test,hire,03/02/2025,,\n"
           "ada@acme.test,hire,2024-01-08,,Payments\n"
           "ada@acme.test,hire,2024-01-08,,Payments\n")
    uploaded = upload(manager, bad)

    preview = imports.event_import_preview(org=org_a, event_import=uploaded)
    with pytest.raises(DomainError):
        imports.event_import_apply(actor=manager, event_import=uploaded)

    problems = {(e["row"], e["field"]) for e in preview["errors"]}
    assert problems == {(2, "email"), (3, "kind"), (4, "effective_on"), (5, "team_after"), (6, "effective_on"),
                        (8, "row")}
    assert not RoleEvent.objects.for_org(org_a).exists()
    uploaded.refresh_from_db()
    assert uploaded.status == "failed"


def test_an_applied_import_cannot_be_applied_twice(manager, people):
    uploaded = upload(manager, EVENTS)
    imports.event_import_apply(actor=manager, event_import=uploaded)

    with pytest.raises(Conflict):
        imports.event_import_apply(actor=manager, event_import=uploaded)


def test_the_file_is_bounded_in_rows_and_kind_of_content(org_a, manager, people, settings):
    settings.METRICS_IMPORT_MAX_ROWS = 2

    preview = imports.event_import_preview(org=org_a, event_import=upload(manager, EVENTS))

    assert not preview["ok"]
    assert "Too many rows" in preview["errors"][0]["message"]
    with pytest.raises(DomainError):
        upload(manager, "email,kind\n\xff\xfe".encode("latin-1"))
    with pytest.raises(DomainError):
        upload(manager, "email,kind\n\x00")


def test_unknown_and_missing_columns_are_file_errors():
    parsed = events_csv.parse_events("email,kind,salary\na@b.test,hire,1\n", max_rows=10, today=date(2026, 1, 1))

    assert not parsed.ok
    assert [e["row"] for e in parsed.error_list()] == [None, None]
    assert "salary" in parsed.file_errors[0] and "effective_on" in parsed.file_errors[1]


def test_milestones_import_checks_names_and_role_starts_and_is_idempotent(org_a, manager, people):
    definition = svc.ramp_definition_create(actor=manager, name="First change shipped")
    svc.role_event_record(actor=manager, member=people["ada"], kind="hire", effective_on=date(2025, 1, 6))
    bad = ("email,milestone,reached_on\n"
           "ada@acme.test,First Change Shipped,2024-12-01\n"
           "bob@acme.test,Signed off,2025-02-01\n")
    good = ("email,milestone,reached_on\n"
            "ada@acme.test,first change shipped,2025-02-10\n"
            "bob@acme.test,First change shipped,2025-03-01\n")

    refused = imports.event_import_preview(org=org_a, event_import=upload(manager, bad, "milestones"))
    first = imports.event_import_apply(actor=manager, event_import=upload(manager, good, "milestones"))
    second = imports.event_import_apply(actor=manager, event_import=upload(manager, good, "milestones"))

    assert {(e["row"], e["field"]) for e in refused["errors"]} == {(2, "reached_on"), (3, "milestone")}
    assert (first["created"], second["created"], second["unchanged"]) == (2, 0, 2)
    assert RampMilestone.objects.for_org(org_a).filter(definition=definition).count() == 2


def test_an_email_of_another_org_is_not_found(org_a, manager, outsider):
    content = f"email,kind,effective_on\n{outsider.email},hire,2025-01-06\n"

    preview = imports.event_import_preview(org=org_a, event_import=upload(manager, content))

    assert [(e["row"], e["field"]) for e in preview["errors"]] == [(2, "email")]


def test_the_template_and_export_neutralise_formulas():
    text = events_csv.render(events_csv.EVENT_COLUMNS, [{"email": "a@b.test", "kind": "hire",
                                                         "title_after": "=HYPERLINK(1)"}])

    assert "'=HYPERLINK(1)" in text
