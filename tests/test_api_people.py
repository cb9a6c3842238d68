"""People profiles through the API: reading, search, editing (with ids from
the body looked up inside the org), CSV import and export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentoring import selectors
from mentoring.models import Membership
from mentoring.services import person_update
from tests.factories import PersonFactory

ORG = "/api/v1/orgs/acme"
HEADER = "email,display_name,title,team,manager_email,skills,work_items,roles\n"
GOOD_CSV = HEADER + (
    "ada@acme.test,Ada Lovelace,Staff engineer,Platform,,Python;Mentoring,Engine|https://x.test/engine,mentor\n"
    "bob@acme.test,Bob Byte,Engineer,Platform,ada@acme.test,python,,mentee\n"
)
BAD_CSV = GOOD_CSV + "not-an-email,Carl Crash,Engineer,Platform,,,,mentee\n"


def people_emails(org):
    return set(Membership.objects.for_org(org).values_list("email", flat=True))


def test_member_reads_a_profile_without_external_terms(manager, mentee, api_for):
    person = PersonFactory(organization=manager.organization, display_name="Ext Erna", is_external=True,
                           hourly_rate="120.00", currency="EUR", manager=manager)
    person_update(actor=manager, membership=person, skills=["System design"], work_items=[("Billing", "")])
    body = api_for(mentee).get(f"{ORG}/people/{person.id}/").json()
    assert body["manager"] == {"id": str(manager.id), "display_name": "Maria Manager"}
    assert body["skills"] == ["System design"]
    assert body["work_items"] == [{"name": "Billing", "url": ""}]
    assert body["is_external"] is True
    assert "hourly_rate" not in body and "currency" not in body


def test_manager_sees_external_terms(manager, api_for):
    person = PersonFactory(organization=manager.organization, is_external=True, hourly_rate="120.00", currency="EUR")
    body = api_for(manager).get(f"{ORG}/people/{person.id}/").json()
    assert (body["hourly_rate"], body["currency"]) == ("120.00", "EUR")


def test_people_search_by_query_team_and_role(manager, mentor, mentee, api_for):
    PersonFactory(organization=manager.organization, display_name="Sam Sales", team="Sales", title="Account lead")
    api = api_for(mentee)

    def names(query):
        response = api.get(f"{ORG}/people/{query}")
        assert response.status_code == 200
        return [p["display_name"] for p in response.json()["results"]]

    assert names("?q=account") == ["Sam Sales"]
    assert names("?team=Sales") == ["Sam Sales"]
    assert names("?role=mentor") == ["Otto Mentor"]
    assert names("?team=Platform&role=manager") == ["Maria Manager"]


def test_people_filter_with_an_unknown_role_is_a_400(manager, api_for):
    assert api_for(manager).get(f"{ORG}/people/?role=boss").status_code == 400


def test_manager_edits_a_profile(manager, mentee, api_for):
    body = {"title": "Senior engineer", "manager": str(manager.id), "skills": ["Go", " go ", "Rust"],
            "work_items": [{"name": "Search", "url": "https://x.test/search"}], "time_zone": "Asia/Tokyo",
            "is_external": True, "hourly_rate": "90.5", "currency": "usd"}
    response = api_for(manager).patch(f"{ORG}/people/{mentee.id}/", body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Senior engineer" and data["time_zone"] == "Asia/Tokyo"
    assert data["manager"]["id"] == str(manager.id)
    assert data["skills"] == ["Go", "Rust"]
    assert data["work_items"] == [{"name": "Search", "url": "https://x.test/search"}]
    assert (data["hourly_rate"], data["currency"]) == ("90.50", "USD")


def test_a_person_edits_their_own_profile(mentee, api_for):
    response = api_for(mentee).patch(f"{ORG}/people/{mentee.id}/", {"title": "Apprentice"}, format="json")
    assert response.status_code == 200
    mentee.refresh_from_db()
    assert mentee.title == "Apprentice"


def test_a_person_cannot_set_their_own_rate(mentee, api_for):
    response = api_for(mentee).patch(f"{ORG}/people/{mentee.id}/", {"hourly_rate": "500", "currency": "EUR"},
                                     format="json")
    assert response.status_code == 403
    mentee.refresh_from_db()
    assert mentee.hourly_rate is None


def test_manager_id_from_another_org_is_rejected(manager, mentee, outsider, api_for):
    response = api_for(manager).patch(f"{ORG}/people/{mentee.id}/", {"manager": str(outsider.id)}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["manager"] == ["No such person in this organisation."]
    mentee.refresh_from_db()
    assert mentee.manager_id is None


def test_unknown_manager_id_is_a_field_error(manager, mentee, api_for):
    response = api_for(manager).patch(f"{ORG}/people/{mentee.id}/", {"manager": "not-a-uuid"}, format="json")
    assert response.status_code == 400
    assert "manager" in response.json()["errors"]


def test_a_manager_loop_is_rejected(manager, mentee, api_for):
    person_update(actor=manager, membership=mentee, manager=manager)
    response = api_for(manager).patch(f"{ORG}/people/{manager.id}/", {"manager": str(mentee.id)}, format="json")
    assert response.status_code == 400
    assert "loop" in response.json()["errors"]["manager"][0]


@pytest.mark.parametrize("body, field", [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"working_hours_start": "18:00", "working_hours_end": "09:00"}, "working_hours_end"),
    ({"display_name": ""}, "display_name"),
    ({"hire_date": "yesterday"}, "hire_date"),
    ({"currency": "EURO"}, "currency"),
    ({"work_items": [{"name": "X", "url": "javascript:alert(1)"}]}, "work_items"),
])
def test_invalid_profile_changes_are_field_errors(manager, mentee, api_for, body, field):
    response = api_for(manager).patch(f"{ORG}/people/{mentee.id}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_import_preview_reports_rows_and_applies_nothing(manager, api_for):
    response = api_for(manager).post(f"{ORG}/people/import/", BAD_CSV, content_type="text/csv")
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["ok"], body["row_count"], body["create_count"]) == (False, False, 3, 3)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(4, "email")]
    assert [r["action"] for r in body["rows"]] == ["create", "create", "create"]
    assert people_emails(manager.organization) == {"manager@acme.test"}


def test_import_with_one_bad_row_applies_nothing_and_names_row_and_field(manager, api_for):
    response = api_for(manager).post(f"{ORG}/people/import/?apply=1", BAD_CSV, content_type="text/csv")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The file has 1 error; nothing was applied."
    assert body["errors"]["file"][0].startswith("Line 4, email:")
    assert [(e["row"], e["field"]) for e in body["row_errors"]] == [(4, "email")]
    assert people_emails(manager.organization) == {"manager@acme.test"}


def test_import_applies_an_uploaded_file(manager, api_for):
    upload = SimpleUploadedFile("people.csv", GOOD_CSV.encode(), content_type="text/csv")
    response = api_for(manager).post(f"{ORG}/people/import/?apply=1", {"file": upload}, format="multipart")
    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["create_count"]) == (True, 2)
    bob = Membership.objects.for_org(manager.organization).get(email="bob@acme.test")
    assert bob.manager.email == "ada@acme.test"
    assert [s.name for s in bob.skills.all()] == ["Python"]


def test_import_without_a_file_is_a_field_error(manager, api_for):
    response = api_for(manager).post(f"{ORG}/people/import/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_import_of_a_non_utf8_file_is_a_field_error(manager, api_for):
    response = api_for(manager).post(f"{ORG}/people/import/?apply=1", "name\n\xff\xfe".encode("latin-1"),
                                     content_type="text/csv")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_reimporting_the_same_file_updates_and_creates_nobody(manager, api_for):
    api = api_for(manager)
    first = api.post(f"{ORG}/people/import/?apply=1", GOOD_CSV, content_type="text/csv").json()
    second = api.post(f"{ORG}/people/import/?apply=1", GOOD_CSV, content_type="text/csv").json()
    assert (first["create_count"], first["update_count"]) == (2, 0)
    assert (second["create_count"], second["update_count"]) == (0, 2)
    assert Membership.objects.for_org(manager.organization).count() == 3


def test_export_then_import_round_trips(manager, mentor, api_for):
    api = api_for(manager)
    api.post(f"{ORG}/people/import/?apply=1", GOOD_CSV, content_type="text/csv")
    before = selectors.people_for_export(manager.organization)
    exported = api.get(f"{ORG}/people/export/")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    csv_text = exported.content.decode()
    assert csv_text.splitlines()[0].startswith("email,display_name,")
    response = api.post(f"{ORG}/people/import/?apply=1", csv_text, content_type="text/csv")
    assert (response.json()["create_count"], response.json()["update_count"]) == (0, 4)
    assert selectors.people_for_export(manager.organization) == before


def test_export_honours_accept_text_csv(manager, api_for):
    response = api_for(manager).get(f"{ORG}/people/export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert "manager@acme.test" in response.content.decode()


def test_import_that_would_make_a_manager_loop_applies_nothing(manager, api_for):
    looped = HEADER + ("ada@acme.test,Ada Lovelace,,,bob@acme.test,,,mentor\n"
                       "bob@acme.test,Bob Byte,,,ada@acme.test,,,mentee\n")
    response = api_for(manager).post(f"{ORG}/people/import/?apply=1", looped, content_type="text/csv")
    assert response.status_code == 400
    assert "loops" in response.json()["detail"] and response.json()["errors"]["file"]
    assert people_emails(manager.organization) == {"manager@acme.test"}
