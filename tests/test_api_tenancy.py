"""Cross-tenant isolation and flat query counts of every API list."""

import itertools

import pytest
from rest_framework.test import APIClient

from mentoring.models import Invitation, Membership, Organization
from mentoring.services import invitation_create, person_update, token_issue
from tests.factories import MembershipFactory, OrganizationFactory, PersonFactory

IN_ORG_A = [
    ("get", "/api/v1/orgs/acme/"),
    ("get", "/api/v1/orgs/acme/members/"),
    ("get", "/api/v1/orgs/acme/members/{member}/"),
    ("patch", "/api/v1/orgs/acme/members/{member}/"),
    ("post", "/api/v1/orgs/acme/members/{member}/deactivate/"),
    ("post", "/api/v1/orgs/acme/members/{member}/reactivate/"),
    ("get", "/api/v1/orgs/acme/people/"),
    ("get", "/api/v1/orgs/acme/people/{member}/"),
    ("patch", "/api/v1/orgs/acme/people/{member}/"),
    ("get", "/api/v1/orgs/acme/people/export/"),
    ("post", "/api/v1/orgs/acme/people/import/"),
    ("post", "/api/v1/orgs/acme/people/import/?apply=1"),
    ("get", "/api/v1/orgs/acme/invitations/"),
    ("post", "/api/v1/orgs/acme/invitations/"),
    ("delete", "/api/v1/orgs/acme/invitations/{invitation}/"),
    ("get", "/api/v1/orgs/acme/policy/"),
    ("patch", "/api/v1/orgs/acme/policy/"),
]
# Org A's ids through the outsider's own org (where they are a manager).
A_IDS_VIA_ORG_B = [
    ("get", "/api/v1/orgs/globex/members/{member}/"),
    ("patch", "/api/v1/orgs/globex/members/{member}/"),
    ("post", "/api/v1/orgs/globex/members/{member}/deactivate/"),
    ("post", "/api/v1/orgs/globex/members/{member}/reactivate/"),
    ("get", "/api/v1/orgs/globex/people/{member}/"),
    ("patch", "/api/v1/orgs/globex/people/{member}/"),
    ("delete", "/api/v1/orgs/globex/invitations/{invitation}/"),
    ("delete", "/api/v1/tokens/{token}/"),
]
BODIES = {"patch": {"roles": ["mentee"], "title": "Owned", "mentee_weekly_cap": 1},
          "post": {"email": "spy@globex.test", "roles": ["manager"]}}


@pytest.fixture
def org_a_objects(manager, mentor):
    invitation = invitation_create(actor=manager, email="pending@acme.test", roles=["mentee"])
    token, _ = token_issue(user=mentor.user, name="mentor's")
    return {"member": mentor.id, "invitation": invitation.id, "token": token.id}


def org_a_unchanged(mentor, invitation_id):
    mentor.refresh_from_db()
    invitation = Invitation.objects.for_org(mentor.organization).get(pk=invitation_id)
    org = Organization.objects.get(slug="acme")
    return (mentor.is_active, mentor.roles, mentor.title, invitation.status, org.mentee_weekly_cap,
            Membership.objects.for_org(org).count()) == (True, ["mentor"], "Engineer", "pending", 2, 2)


@pytest.mark.parametrize("method, path", IN_ORG_A + A_IDS_VIA_ORG_B)
def test_outsider_gets_404_for_org_a(outsider, mentor, org_a_objects, api_for, method, path):
    response = getattr(api_for(outsider), method)(path.format(**org_a_objects), BODIES.get(method), format="json")
    assert response.status_code == 404
    assert org_a_unchanged(mentor, org_a_objects["invitation"])


@pytest.mark.parametrize("method, path", IN_ORG_A)
def test_anonymous_gets_401_for_org_a(mentor, org_a_objects, method, path):
    response = getattr(APIClient(), method)(path.format(**org_a_objects), BODIES.get(method), format="json")
    assert response.status_code == 401
    assert org_a_unchanged(mentor, org_a_objects["invitation"])


@pytest.mark.parametrize("path", ["members/", "people/", "invitations/"])
def test_outsider_lists_show_no_org_a_rows(outsider, org_a_objects, api_for, path):
    body = api_for(outsider).get(f"/api/v1/orgs/globex/{path}").json()
    assert str(body).count("acme") == 0
    assert body["count"] == (1 if path != "invitations/" else 0)


def test_outsider_orgs_and_tokens_show_no_org_a_rows(outsider, org_a_objects, api_for):
    api = api_for(outsider)
    assert [o["slug"] for o in api.get("/api/v1/orgs/").json()["results"]] == ["globex"]
    assert [t["name"] for t in api.get("/api/v1/tokens/").json()["results"]] == ["test"]


def test_deactivated_member_gets_404_for_their_former_org(manager, mentor, api_for):
    api = api_for(mentor)
    mentor.is_active = False
    mentor.save()
    assert api.get("/api/v1/orgs/acme/people/").status_code == 404


# --- Query counts: pinned, and the same at 1 row and at 30 rows -------------------------------------

INVITEE = itertools.count()


def add_people(manager, n):
    for _ in range(n):
        person = PersonFactory(organization=manager.organization, manager=manager, is_mentee=True)
        person_update(actor=manager, membership=person, skills=["Python", "Go"],
                      work_items=[("Search", "https://x.test/s"), ("Billing", "")])


def add_invitations(manager, n):
    for _ in range(n):
        invitation_create(actor=manager, email=f"invitee{next(INVITEE)}@acme.test", roles=["mentee"])


def add_tokens(manager, n):
    for _ in range(n):
        token_issue(user=manager.user)


def add_orgs(manager, n):
    for _ in range(n):
        MembershipFactory(organization=OrganizationFactory(), user=manager.user, email=manager.user.email)


# auth (token) + org + count + rows [+ prefetches]
LISTS = [
    ("/api/v1/orgs/acme/members/", add_people, 4),
    ("/api/v1/orgs/acme/members/?role=mentee&active=true", add_people, 4),
    ("/api/v1/orgs/acme/people/", add_people, 6),
    ("/api/v1/orgs/acme/people/?q=python&team=Platform", add_people, 6),
    ("/api/v1/orgs/acme/invitations/", add_invitations, 4),
    ("/api/v1/orgs/acme/people/export/", add_people, 6),  # +1: the audit event of the export
    ("/api/v1/tokens/", add_tokens, 3),
    ("/api/v1/orgs/", add_orgs, 3),
    ("/api/v1/me/", add_orgs, 2),
]


@pytest.mark.parametrize("path, add_rows, queries", LISTS)
def test_list_query_count_does_not_grow_with_rows(manager, api_for, django_assert_num_queries,
                                                  path, add_rows, queries):
    api = api_for(manager)
    api.get(path)  # the token's first use records last_used_at; not part of the count
    add_rows(manager, 1)
    with django_assert_num_queries(queries):
        first = api.get(path)
    add_rows(manager, 29)
    with django_assert_num_queries(queries):
        second = api.get(path)
    assert first.status_code == second.status_code == 200
    assert len(second.content) > len(first.content)
