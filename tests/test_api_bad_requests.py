"""Malformed requests are answered with a 400 JSON error and a message, never a 5xx or an answer the
schema does not document (findings of tests/test_fuzz_api.py)."""

import pytest
from django.urls import reverse


def _url(name, member):
    return reverse(name, kwargs={"org_slug": member.organization.slug})


@pytest.mark.parametrize("name", ["api-participant-list", "api-role-event-list"])
def test_a_form_upload_with_too_many_fields_is_a_400_with_a_message(api_for, manager, settings, name):
    fields = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = api_for(manager).post(_url(name, manager), fields, format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"]["non_field_errors"]


def test_a_body_over_the_upload_limit_is_a_400_with_a_message(api_for, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api_for(manager).post(_url("api-participant-list", manager), {"note": "x" * 2000}, format="multipart")

    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("value", ["", "null", "maybe"])
def test_a_members_filter_that_is_not_a_boolean_is_a_400_with_a_field_message(api_for, manager, value):
    response = api_for(manager).get(_url("api-member-list", manager), {"active": value})

    assert response.status_code == 400
    assert response.json()["errors"]["active"]


def test_the_members_filter_still_filters(api_for, manager, mentee):
    from mentoring.services import membership_deactivate

    membership_deactivate(actor=manager, membership=mentee)
    api = api_for(manager)

    active = [m["id"] for m in api.get(_url("api-member-list", manager), {"active": "true"}).json()["results"]]
    inactive = [m["id"] for m in api.get(_url("api-member-list", manager), {"active": "false"}).json()["results"]]

    assert (active, inactive) == ([str(manager.pk)], [str(mentee.pk)])
