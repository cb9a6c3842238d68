"""People CSV import: preview with per-row errors, all-or-nothing apply,
idempotent on email, export read back unchanged."""

import pytest

from mentoring import people_csv, selectors, services
from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import Membership, PeopleImport, WorkItem

HEADER = "email,display_name,title,team,manager_email,time_zone,skills,work_items,roles,hire_date\n"
GOOD = HEADER + (
    "ada@acme.test,Ada Lovelace,Staff Engineer,Payments,,Europe/London,System design;Go,Payments v2|https://x.test/p,"
    "mentor,2021-03-01\n"
    "bob@acme.test,Bob Byte,Engineer,Payments,ada@acme.test,Europe/Berlin,go; python ,Payments v2,mentee,2026-09-01\n"
)


def upload(actor, text):
    return services.people_import_upload(actor=actor, filename="people.csv", content=text.encode())


def test_a_good_file_previews_as_two_creations(manager):
    preview = services.people_import_preview(org=manager.organization, people_import=upload(manager, GOOD))
    assert preview["ok"] and preview["create_count"] == 2 and preview["errors"] == []


def test_applying_creates_people_with_manager_skills_and_work_items(manager):
    services.people_import_apply(actor=manager, people_import=upload(manager, GOOD))
    org = manager.organization
    bob = Membership.objects.for_org(org).get(email="bob@acme.test")
    assert bob.manager.email == "ada@acme.test"
    assert sorted(s.name for s in bob.skills.all()) == ["Go", "python"] or \
        sorted(s.slug for s in bob.skills.all()) == ["go", "python"]
    assert [w.name for w in WorkItem.objects.for_org(org).filter(membership=bob)] == ["Payments v2"]
    assert bob.is_mentee and not bob.is_mentor


def test_skills_are_normalised_across_people(manager):
    services.people_import_apply(actor=manager, people_import=upload(manager, GOOD))
    ada = Membership.objects.for_org(manager.organization).get(email="ada@acme.test")
    bob = Membership.objects.for_org(manager.organization).get(email="bob@acme.test")
    assert set(ada.skills.values_list("id", flat=True)) & set(bob.skills.values_list("id", flat=True))


def test_one_bad_row_applies_nothing_and_names_row_and_field(manager):
    bad = GOOD + "carol@acme.test,Carol,Designer,Design,,Mars/Olympus,,,,\n"
    people_import = upload(manager, bad)
    with pytest.raises(DomainError) as error:
        services.people_import_apply(actor=manager, people_import=people_import)
    assert "Line 4, time_zone" in error.value.errors["file"][0]
    assert not Membership.objects.for_org(manager.organization).filter(email__endswith="@acme.test",
                                                                        user=None).exists()


def test_a_refused_import_stays_marked_as_having_errors(manager):
    people_import = upload(manager, GOOD + "carol@acme.test,Carol,Designer,Design,,Mars/Olympus,,,,\n")
    with pytest.raises(DomainError):
        services.people_import_apply(actor=manager, people_import=people_import)
    people_import.refresh_from_db()
    assert people_import.status == PeopleImport.Status.FAILED


def test_preview_lists_every_bad_cell(manager):
    bad = HEADER + "not-an-email,,x,y,ghost@acme.test,UTC,,,wizard,31/12/2020\n"
    preview = services.people_import_preview(org=manager.organization, people_import=upload(manager, bad))
    fields = {(e["row"], e["field"]) for e in preview["errors"]}
    assert fields == {(2, "email"), (2, "display_name"), (2, "manager_email"), (2, "roles"), (2, "hire_date")}


def test_reimport_is_idempotent_and_updates(manager):
    services.people_import_apply(actor=manager, people_import=upload(manager, GOOD))
    result = services.people_import_apply(actor=manager, people_import=upload(manager, GOOD.replace(
        "Staff Engineer", "Principal Engineer")))
    org = manager.organization
    assert (result["created"], result["updated"]) == (0, 2)
    assert Membership.objects.for_org(org).get(email="ada@acme.test").title == "Principal Engineer"
    assert Membership.objects.for_org(org).filter(email__in=["ada@acme.test", "bob@acme.test"]).count() == 2
    assert WorkItem.objects.for_org(org).filter(name="Payments v2").count() == 2


def test_an_applied_import_cannot_be_applied_twice(manager):
    people_import = upload(manager, GOOD)
    services.people_import_apply(actor=manager, people_import=people_import)
    with pytest.raises(Conflict):
        services.people_import_apply(actor=manager, people_import=people_import)


def test_export_reads_back_as_an_import_that_changes_nothing(manager):
    services.people_import_apply(actor=manager, people_import=upload(manager, GOOD))
    org = manager.organization
    before = people_csv.render(selectors.people_for_export(org))
    result = services.people_import_apply(actor=manager, people_import=upload(manager, before))
    assert result["created"] == 0
    assert people_csv.render(selectors.people_for_export(org)) == before


def test_a_mentee_cannot_import(mentee):
    with pytest.raises(NotPermitted):
        upload(mentee, GOOD)


def test_manager_loops_are_refused(manager):
    loop = HEADER + ("a@acme.test,A,,,b@acme.test,,,,,\n"
                     "b@acme.test,B,,,a@acme.test,,,,,\n")
    with pytest.raises(DomainError, match="loops"):
        services.people_import_apply(actor=manager, people_import=upload(manager, loop))
    assert not Membership.objects.for_org(manager.organization).filter(email="a@acme.test").exists()


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("email,display_name\n", "no people"),
    ("email,name\nx@y.z,X\n", "Unknown column"),
    ("display_name\nX\n", "Missing required"),
])
def test_malformed_files_get_a_file_level_message(text, message):
    parsed = people_csv.parse(text, max_rows=10)
    assert not parsed.ok
    assert message in " ".join(parsed.file_errors)


def test_an_unclosed_quote_is_reported_on_its_line():
    parsed = people_csv.parse('email,display_name\n"x@y.z,X\n', max_rows=10)
    assert parsed.error_list() == [{"row": 2, "field": "row", "message": "Has 1 cells but the header has 2 columns."}]


def test_files_over_the_row_limit_are_refused():
    text = "email,display_name\n" + "".join(f"p{i}@x.test,P{i}\n" for i in range(11))
    assert "Too many rows" in people_csv.parse(text, max_rows=10).file_errors[0]


def test_binary_uploads_are_refused(manager):
    with pytest.raises(DomainError, match="UTF-8"):
        services.people_import_upload(actor=manager, filename="x.csv", content=b"\xff\xfe\x00\x01")


def test_imports_are_scoped_to_their_org(manager, outsider):
    people_import = upload(manager, GOOD)
    assert not PeopleImport.objects.for_org(outsider.organization).filter(pk=people_import.pk).exists()
