"""The CSV reader shared by the people import and the HRIS (role event / ramp milestone) import."""

from datetime import date

import pytest

from mentoring import csv_import, people_csv
from mentoring.errors import DomainError
from metrics import events_csv


def test_both_imports_word_header_problems_alike():
    people = people_csv.parse("email,email,salary\n", max_rows=10).file_errors
    events = events_csv.parse_events("email,email,salary\n", max_rows=10, today=date(2026, 1, 1)).file_errors
    assert people[0] == f"Unknown column(s): salary. Allowed: {', '.join(people_csv.COLUMNS)}."
    assert events[0] == f"Unknown column(s): salary. Allowed: {', '.join(events_csv.EVENT_COLUMNS)}."
    assert people[1:] == ["Missing required column(s): display_name.", "Column(s) given twice: email."]
    assert events[1:] == ["Missing required column(s): kind, effective_on.", "Column(s) given twice: email."]


def test_a_row_with_the_wrong_number_of_cells_is_named_by_its_line():
    parsed = events_csv.parse_milestones("email,milestone,reached_on\n\na@b.test,First PR\n", max_rows=10,
                                         today=date(2026, 1, 1))
    assert parsed.error_list() == [{"row": 3, "field": "row", "message": "Has 2 cells but the header has 3 columns."}]


def test_text_over_the_size_bound_is_refused_like_bytes():
    with pytest.raises(DomainError) as error:
        csv_import.decode_upload("é" * (1024 * 1024), max_bytes=1024 * 1024)
    assert error.value.errors == {"file": ["The file is larger than 1 MB."]}


def test_a_people_upload_given_as_text_is_size_bounded(manager, settings):
    from mentoring import services

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    with pytest.raises(DomainError):
        services.people_import_upload(actor=manager, filename="p.csv", content="x" * (1024 * 1024 + 1))


def test_the_shared_preview_table_shows_each_import_its_own_columns(manager, mentee, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_for(manager)
    content = "email,milestone,reached_on\nmentee@acme.test,First PR,2025-01-06\n"
    milestones = client.post(reverse("event_import", args=["acme"]), {"kind": "milestones", "file": SimpleUploadedFile(
        "hris.csv", content.encode(), content_type="text/csv")})
    people = client.post(reverse("people_import", args=["acme"]), {"file": SimpleUploadedFile(
        "people.csv", b"email,display_name\nnew@acme.test,New Person\n", content_type="text/csv")})

    milestone_page = client.get(milestones["Location"]).content.decode()
    people_page = client.get(people["Location"]).content.decode()

    assert '<th scope="col">Reached on</th>' in milestone_page and "<td>2025-01-06</td>" in milestone_page
    assert "<td>First PR</td>" in milestone_page and '<code>milestone</code>' in milestone_page
    assert "<td>New Person</td>" in people_page and "Reached on" not in people_page
