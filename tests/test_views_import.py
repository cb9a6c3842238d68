"""The people import through the browser: upload → preview → apply; export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentoring import services
from mentoring.models import Membership, PeopleImport

pytestmark = pytest.mark.django_db

HEADER = "email,display_name,title,team,manager_email,time_zone,skills,work_items,roles\n"
GOOD = HEADER + (
    "ada@acme.test,Ada Lovelace,Staff Engineer,Payments,,Europe/London,System design;Go,"
    "Payments v2|https://x.test,mentor\n"
    "bob@acme.test,Bob Byte,Engineer,Payments,ada@acme.test,Europe/Berlin,Go,Payments v2,mentee\n"
)
BAD = HEADER + (
    "ada@acme.test,Ada Lovelace,Staff Engineer,Payments,,Europe/London,Go,,mentor\n"
    "bob@acme.test,Bob Byte,Engineer,Payments,,Mars/Olympus,Go,,mentee\n"
)


def upload(client, text, name="people.csv"):
    return client.post(reverse("people_import", args=["acme"]),
                       {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")})


def upload_and_apply(client, text):
    preview_url = upload(client, text)["Location"]
    return client.post(preview_url)


def acme_emails(org):
    return set(Membership.objects.for_org(org).values_list("email", flat=True))


def test_uploading_redirects_to_a_preview_with_counts(client_for, manager):
    client = client_for(manager)
    response = upload(client, GOOD)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.context["preview"]["create_count"] == 2
    assert "Apply import" in preview.content.decode()


def test_one_bad_row_applies_nothing_and_shows_row_and_field(client_for, manager):
    client = client_for(manager)
    preview_url = upload(client, BAD)["Location"]
    page = client.get(preview_url).content.decode()
    assert "Apply import" not in page
    assert "Nothing will be imported" in page and "<td>3</td>" in page and "<code>time_zone</code>" in page
    assert "Mars/Olympus" in page
    applied = client.post(preview_url)  # even if someone posts anyway
    assert applied.status_code == 400 and "Nothing was imported" in applied.content.decode()
    assert acme_emails(manager.organization) == {manager.email}


def test_a_good_import_creates_people_and_shows_them(client_for, manager):
    client = client_for(manager)
    response = upload_and_apply(client, GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("people_list", args=["acme"])
    assert {"ada@acme.test", "bob@acme.test"} <= acme_emails(manager.organization)
    people_page = client.get(response["Location"]).content.decode()
    assert "Import applied: 2 created, 0 updated." in people_page and "Bob Byte" in people_page


def test_a_second_identical_import_updates_instead_of_duplicating(client_for, manager):
    client = client_for(manager)
    upload_and_apply(client, GOOD)
    second = upload_and_apply(client, GOOD)
    assert "2 updated" in client.get(second["Location"]).content.decode()
    assert Membership.objects.for_org(manager.organization).count() == 3


def test_an_applied_import_cannot_be_applied_twice(client_for, manager):
    client = client_for(manager)
    preview_url = upload(client, GOOD)["Location"]
    client.post(preview_url)
    again = client.post(preview_url)
    assert again.status_code == 409 and "already applied" in again.content.decode()


def test_a_non_utf8_file_is_a_form_error(client_for, manager):
    response = client_for(manager).post(reverse("people_import", args=["acme"]), {
        "file": SimpleUploadedFile("people.csv", "email,display_name\né@x.test,É\n".encode("latin-1"))})
    assert response.status_code == 400 and "UTF-8" in response.content.decode()
    assert not PeopleImport.objects.for_org(manager.organization).exists()


def test_uploading_without_a_file_is_a_form_error(client_for, manager):
    response = client_for(manager).post(reverse("people_import", args=["acme"]), {})
    assert response.status_code == 400 and "file" in response.context["form"].errors


def test_the_template_csv_imports_cleanly(client_for, manager):
    client = client_for(manager)
    template = client.get(reverse("people_import_template", args=["acme"]))
    assert "attachment" in template["Content-Disposition"]
    preview_url = upload(client, template.content.decode())["Location"]
    assert client.get(preview_url).context["preview"]["ok"]


def test_export_is_a_csv_attachment_that_imports_back_unchanged(client_for, manager):
    client = client_for(manager)
    upload_and_apply(client, GOOD)
    export = client.get(reverse("people_export", args=["acme"]))
    assert export["Content-Type"].startswith("text/csv") and "attachment" in export["Content-Disposition"]
    body = export.content.decode()
    assert "bob@acme.test" in body and "ada@acme.test" in body
    preview = services.people_import_preview(
        org=manager.organization,
        people_import=services.people_import_upload(actor=manager, filename="x.csv", content=body))
    assert preview["ok"] and preview["create_count"] == 0


def test_a_file_over_the_size_limit_is_a_form_error(client_for, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = upload(client_for(manager), GOOD * 20)
    assert response.status_code == 400 and "larger than" in response.content.decode()
