"""API authentication, the caller's own endpoints (me, orgs, tokens), the
issue_token command, error shape and the OpenAPI schema."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from mentoring.models import ApiToken
from mentoring.services import token_issue
from tests.factories import MembershipFactory, OrganizationFactory


def bearer(raw):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_bearer_token_authenticates_the_caller(manager, api_for):
    response = api_for(manager).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "manager@acme.test"
    assert response.json()["memberships"] == [{
        "id": str(manager.id), "display_name": "Maria Manager", "roles": ["manager"],
        "organization": {"slug": "acme", "name": "Acme"}}]


def test_session_sign_in_authenticates_the_caller(mentee):
    api = APIClient()
    api.force_login(mentee.user, backend="django.contrib.auth.backends.ModelBackend")
    assert api.get("/api/v1/me/").json()["email"] == "mentee@acme.test"


def test_anonymous_request_gets_401_with_bearer_challenge(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["errors"] == {}


def test_unknown_token_gets_401(db):
    assert bearer("tp_not-a-real-token").get("/api/v1/me/").status_code == 401


def test_revoked_token_gets_401(manager):
    token, raw = token_issue(user=manager.user, name="laptop")
    api = bearer(raw)
    assert api.get("/api/v1/me/").status_code == 200
    assert api.delete(f"/api/v1/tokens/{token.id}/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401


def test_token_of_a_deactivated_user_gets_401(manager):
    _, raw = token_issue(user=manager.user)
    manager.user.is_active = False
    manager.user.save()
    assert bearer(raw).get("/api/v1/me/").status_code == 401


def test_creating_a_token_shows_the_raw_value_once(manager, api_for):
    api = api_for(manager)
    created = api.post("/api/v1/tokens/", {"name": "CI"}, format="json")
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("tp_") and created.json()["name"] == "CI"
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    listed = api.get("/api/v1/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"CI", "test"}
    assert all(set(t) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at"} for t in listed)
    assert raw not in str(listed) and ApiToken.hash(raw) not in str(listed)


def test_token_name_too_long_is_a_field_error(manager, api_for):
    response = api_for(manager).post("/api/v1/tokens/", {"name": "x" * 81}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_token_list_shows_only_the_callers_tokens(manager, mentee, api_for):
    token_issue(user=mentee.user, name="mentee's")
    names = [t["name"] for t in api_for(manager).get("/api/v1/tokens/").json()["results"]]
    assert names == ["test"]


def test_revoking_another_users_token_is_404_and_leaves_it_working(manager, mentee, api_for):
    token, raw = token_issue(user=mentee.user, name="mentee's")
    assert api_for(manager).delete(f"/api/v1/tokens/{token.id}/").status_code == 404
    assert bearer(raw).get("/api/v1/me/").status_code == 200


def test_orgs_lists_the_callers_active_organisations(manager, api_for):
    other = OrganizationFactory(slug="initech", name="Initech")
    MembershipFactory(organization=other, user=manager.user, email=manager.user.email, is_mentor=True)
    gone = OrganizationFactory(slug="gone", name="Gone")
    MembershipFactory(organization=gone, user=manager.user, email=manager.user.email, is_active=False)
    results = api_for(manager).get("/api/v1/orgs/").json()["results"]
    assert [(o["slug"], o["roles"]) for o in results] == [("acme", ["manager"]), ("initech", ["mentor"])]


def test_org_detail_is_404_for_an_org_the_caller_is_not_in(outsider, org_a, api_for):
    api = api_for(outsider)
    assert api.get("/api/v1/orgs/globex/").json()["name"] == "Globex"
    assert api.get("/api/v1/orgs/acme/").status_code == 404


def test_bad_json_is_a_400_in_the_error_shape(manager, api_for):
    response = api_for(manager).generic("POST", "/api/v1/tokens/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_unknown_api_path_is_a_json_404(manager, api_for):
    response = api_for(manager).get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


def test_issue_token_prints_a_working_token_as_the_last_word(manager):
    out = StringIO()
    call_command("issue_token", "MANAGER@acme.test", "--name", "cron", stdout=out)
    raw = out.getvalue().split()[-1]
    assert bearer(raw).get("/api/v1/me/").json()["email"] == "manager@acme.test"
    assert ApiToken.objects.get(digest=ApiToken.hash(raw)).name == "cron"


def test_issue_token_for_an_unknown_email_fails_clearly(db):
    with pytest.raises(CommandError, match="No user with the email nobody@example.test"):
        call_command("issue_token", "nobody@example.test", stdout=StringIO())


def test_openapi_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/orgs/{org_slug}/people/import/" in (tmp_path / "schema.yml").read_text()


def test_schema_endpoint_serves_openapi_3(db):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_api_path_without_trailing_slash_redirects_keeping_the_method(manager, api_for):
    response = api_for(manager).post("/api/v1/tokens?x=1", {"name": "CI"}, format="json")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/tokens/?x=1"
