"""Every HTML page of an org: 200 for the right role, 403 for a member
without it, 404 for an outsider (page and object alike)."""

import pytest
from django.urls import reverse

from mentoring import services
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(manager):
    """One object of each kind in org A, for the pages that take an id."""
    person = PersonFactory(organization=manager.organization)
    invitation = services.invitation_create(actor=manager, email="new@acme.test", roles=["mentee"])
    upload = services.people_import_upload(actor=manager, filename="p.csv",
                                           content=b"email,display_name\nzoe@acme.test,Zoe\n")
    return {"person": person, "invitation": invitation, "import": upload}


def org_pages(org, objects):
    """(url name, kwargs, roles allowed or None for every member)."""
    slug = {"org_slug": org.slug}
    return [
        ("org_home", slug, None),
        ("people_list", slug, None),
        ("person_detail", {**slug, "person_id": objects["person"].pk}, None),
        ("person_edit", {**slug, "person_id": objects["person"].pk}, "manager"),
        ("people_import", slug, "manager"),
        ("people_import_template", slug, "manager"),
        ("people_import_preview", {**slug, "import_id": objects["import"].pk}, "manager"),
        ("people_export", slug, "manager"),
        ("members", slug, "manager"),
        ("member_deactivate", {**slug, "member_id": objects["person"].pk}, "manager"),
        ("invitations", slug, "manager"),
        ("invitation_revoke", {**slug, "invitation_id": objects["invitation"].pk}, "manager"),
        ("org_settings", slug, "manager"),
    ]


def test_a_manager_can_open_every_org_page(client_for, manager, objects):
    client = client_for(manager)
    for name, kwargs, _ in org_pages(manager.organization, objects):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, name


def test_a_mentee_opens_member_pages_and_gets_403_on_manager_pages(client_for, mentee, objects):
    client = client_for(mentee)
    statuses = {name: client.get(reverse(name, kwargs=kwargs)).status_code
                for name, kwargs, _ in org_pages(mentee.organization, objects)}
    expected = {name: 403 if role else 200 for name, _, role in org_pages(mentee.organization, objects)}
    assert statuses == expected


@pytest.mark.parametrize("role_fixture", ["mentor", "hr"])
def test_other_roles_get_403_on_the_settings_page(request, client_for, role_fixture):
    member = request.getfixturevalue(role_fixture)
    response = client_for(member).get(reverse("org_settings", args=[member.organization.slug]))
    assert response.status_code == 403
    assert b"have access to this page" in response.content


def test_an_outsider_gets_404_on_every_org_page_and_object(client_for, outsider, manager, objects):
    client = client_for(outsider)
    statuses = {name: client.get(reverse(name, kwargs=kwargs)).status_code
                for name, kwargs, _ in org_pages(manager.organization, objects)}
    assert set(statuses.values()) == {404}, statuses


def test_an_outsider_gets_404_for_org_a_objects_through_their_own_org(client_for, outsider, objects):
    client = client_for(outsider)
    own = {"org_slug": outsider.organization.slug}
    foreign = [
        ("person_detail", {**own, "person_id": objects["person"].pk}),
        ("person_edit", {**own, "person_id": objects["person"].pk}),
        ("people_import_preview", {**own, "import_id": objects["import"].pk}),
        ("member_deactivate", {**own, "member_id": objects["person"].pk}),
        ("invitation_revoke", {**own, "invitation_id": objects["invitation"].pk}),
    ]
    assert {client.get(reverse(name, kwargs=kwargs)).status_code for name, kwargs in foreign} == {404}
    posts = [("member_roles", {**own, "member_id": objects["person"].pk}),
             ("member_reactivate", {**own, "member_id": objects["person"].pk}),
             ("invitation_revoke", {**own, "invitation_id": objects["invitation"].pk})]
    assert {client.post(reverse(name, kwargs=kwargs), {"roles": ["mentor"]}).status_code
            for name, kwargs in posts} == {404}


def test_an_anonymous_visitor_is_sent_to_sign_in(client, org_a):
    response = client.get(reverse("people_list", args=[org_a.slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_an_unknown_page_renders_the_404_template(client_for, mentee):
    response = client_for(mentee).get("/o/acme/nothing-here/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_the_500_page_renders_without_a_request(settings):
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")


def test_navigation_shows_manager_links_only_to_managers(client_for, manager, mentee):
    members_url = reverse("members", args=["acme"]).encode()
    assert members_url in client_for(manager).get(reverse("org_home", args=["acme"])).content
    assert members_url not in client_for(mentee).get(reverse("org_home", args=["acme"])).content


def test_the_org_switcher_lists_every_org_of_the_user(client_for, manager, org_b):
    from tests.factories import MembershipFactory

    MembershipFactory(organization=org_b, user=manager.user, email=manager.email)
    page = client_for(manager).get(reverse("org_home", args=["acme"])).content.decode()
    assert reverse("org_home", args=["globex"]) in page and "Globex" in page


def test_a_user_without_orgs_sees_the_empty_state(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("home"))
    assert "You are not in any organisation yet" in response.content.decode()


def test_the_manager_home_shows_counts(client_for, manager, objects):
    response = client_for(manager).get(reverse("org_home", args=["acme"]))
    assert response.context["counts"] == {"people": 2, "members": 1, "open_invitations": 1}
