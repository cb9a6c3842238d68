"""The scoping primitives of mentoring.tenancy and the viewset base."""

import uuid

import pytest
from django.http import Http404
from django.test import RequestFactory

from mentoring.api_viewsets import OrgScopedViewSet
from mentoring.models import Invitation, Membership, WorkItem
from mentoring.tenancy import OrgOwned, UnscopedQueryError, org_get_or_404, resolve_org
from tests.factories import MembershipFactory, PersonFactory


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    lambda: Membership.objects.all(),
    lambda: Membership.objects.filter(email="x@example.test"),
    lambda: Membership.objects.count(),
    lambda: WorkItem.objects.get(name="x"),
    lambda: Invitation.objects.exists(),
], ids=["all", "filter", "count", "get", "exists"])
def test_tenant_manager_refuses_queries_without_an_org(query):
    with pytest.raises(UnscopedQueryError):
        query()


def test_for_org_refuses_a_missing_org():
    with pytest.raises(UnscopedQueryError):
        Membership.objects.for_org(None)


def test_for_org_returns_only_that_orgs_rows(manager, outsider):
    assert list(Membership.objects.for_org(manager.organization)) == [manager]
    assert list(Membership.objects.for_org(outsider.organization)) == [outsider]


def test_org_get_or_404_finds_an_object_of_the_org(org_a, manager):
    assert org_get_or_404(Membership, org_a, pk=manager.pk) == manager


def test_org_get_or_404_with_another_orgs_id_is_404(org_a, outsider):
    with pytest.raises(Http404):
        org_get_or_404(Membership, org_a, pk=outsider.pk)


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "", str(uuid.uuid4())])
def test_org_get_or_404_with_a_malformed_or_unknown_id_is_404(org_a, manager, bad_id):
    with pytest.raises(Http404):
        org_get_or_404(Membership, org_a, pk=bad_id)


def test_resolve_org_gives_the_org_and_membership_to_a_member(manager):
    request = request_by(manager.user)

    org, membership = resolve_org(request, "acme")

    assert (org, membership) == (manager.organization, manager)
    assert (request.org, request.membership) == (org, membership)


def test_resolve_org_for_a_non_member_is_404(org_a, outsider):
    with pytest.raises(Http404):
        resolve_org(request_by(outsider.user), "acme")


def test_resolve_org_for_an_unknown_slug_is_the_same_404(outsider):
    with pytest.raises(Http404):
        resolve_org(request_by(outsider.user), "no-such-org")


def test_resolve_org_for_an_inactive_membership_is_404(manager):
    Membership.objects.for_org(manager.organization).filter(pk=manager.pk).update(is_active=False)

    with pytest.raises(Http404):
        resolve_org(request_by(manager.user), "acme")


def test_resolve_org_for_an_anonymous_visitor_is_404(org_a):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        resolve_org(request_by(AnonymousUser()), "acme")


def test_membership_in_one_org_does_not_open_another(org_a, org_b):
    both = MembershipFactory(organization=org_a)
    PersonFactory(organization=org_b, email=both.user.email)  # same email, not linked to the user

    with pytest.raises(Http404):
        resolve_org(request_by(both.user), "globex")


def test_viewset_overriding_get_queryset_is_refused_at_class_creation():
    with pytest.raises(TypeError, match="org_queryset"):
        class Leaky(OrgScopedViewSet):
            def get_queryset(self):
                return Membership.unscoped.all()


def test_viewset_implementing_org_queryset_is_accepted():
    class Scoped(OrgScopedViewSet):
        def org_queryset(self, org, membership):
            return Membership.objects.for_org(org)

    assert "get_queryset" not in Scoped.__dict__


def test_tenant_ids_are_not_sequential(manager):
    assert isinstance(manager.pk, uuid.UUID)
    assert issubclass(Membership, OrgOwned)
