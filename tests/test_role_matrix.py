"""The role matrix: every org route × method × role, against what the route declares.

Routes DECLARE who may use them, so the matrix maintains itself as routes are added:

- an HTML view through ``org_view(*roles)``, which exposes ``view.org_roles`` (empty: every member);
- a DRF viewset through ``action_roles`` (``mentoring.api_viewsets``), one entry per routed action,
  ``EVERY_MEMBER`` for any member.

A route without a declaration fails ``test_every_org_route_declares_who_may_use_it``. The org-A URLs
come from the COVERAGE cases of tests/test_tenancy_coverage.py (the cross-tenant matrix, which
also covers the outsider). Expected answers, the same for HTML and API:

- a member without a declared role: **403** (they are inside the org; the page exists for them to know);
- a member with the role, on an object they do not reach (not a participant, not the owner:
  ``Case.reached_by``): refused, **404** (or 403 where they may see it but not change it);
- a member with the role who reaches the object: neither 403 nor 404 (200, 201, 204, 302, 400, 409…);
- anonymous: HTML redirects to sign-in, API answers 401 (or 403);
- nobody ever gets a 5xx.

Each request runs in a savepoint that is rolled back, so one role's POST cannot change what the next
role sees.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import get_resolver, path, reverse
from rest_framework.response import Response
from rest_framework.test import APIClient

from mentoring.api_viewsets import EVERY_MEMBER, OrgScopedViewSet
from mentoring.models import ROLES, Membership
from mentoring.tenancy import resolve_org
from mentoring.views.base import org_view
from tests.test_tenancy_coverage import (COVERAGE, Case, Route, routes_by_key, send, uncovered_routes, walk,
                                         world)  # noqa: F401 - world is a fixture

MEMBER_ROLES = ROLES  # manager, mentor, mentee, hr: the fixtures hold exactly one role each
UNDECLARED = object()


# --- Reading the declarations ------------------------------------------------------------------------

def declared_roles(route: Route, method: str):
    """The roles a route declares for ``method``: a tuple (empty: every member), None when the
    method is not routed at all (DRF answers 405), UNDECLARED when the route says nothing."""
    callback = route.callback
    if hasattr(callback, "org_roles"):
        return tuple(callback.org_roles)
    actions = getattr(callback, "actions", None)
    cls = getattr(callback, "cls", None)
    if actions is not None and cls is not None:
        action = actions.get(method.lower())
        if action is None:
            return None
        declared = getattr(cls, "action_roles", {})
        return tuple(declared[action]) if action in declared else UNDECLARED
    return UNDECLARED


def routed_methods(route: Route) -> tuple[str, ...]:
    actions = getattr(route.callback, "actions", None)
    return tuple(m.upper() for m in actions) if actions is not None else ("GET",)


def undeclared(routes: list[Route]) -> list[str]:
    """Org routes (or DRF actions) that do not say who may use them, or name an unknown role."""
    problems = []
    for route in routes:
        if not route.org_scoped:
            continue
        for method in routed_methods(route):
            roles = declared_roles(route, method)
            if roles is UNDECLARED:
                problems.append(f"{route.key} {method}: no role declaration ({route.pattern})")
            elif roles is not None and set(roles) - set(MEMBER_ROLES):
                problems.append(f"{route.key} {method}: unknown role(s) {sorted(set(roles) - set(MEMBER_ROLES))}")
    return sorted(problems)


def has_object_id(route: Route) -> bool:
    return route.pattern.replace("<slug:org_slug>", "").count("<") > 0


# --- The check -----------------------------------------------------------------------------------------

def answer(client, method: str, url: str, api: bool):
    """One request whose effects are rolled back afterwards."""
    with transaction.atomic():
        response = send(client, method, url, api)
        transaction.set_rollback(True)
    return response


def expected(route: Route, case: Case, role: str, method: str) -> str:
    roles = declared_roles(route, method)
    if roles and role not in roles:
        return "role-refused"
    reached_by = case.reached_by.get(method) if isinstance(case.reached_by, dict) else case.reached_by
    if reached_by is not None and role not in reached_by:
        return "object-refused"
    return "allowed"


def matches(outcome: str, status: int) -> bool:
    if status >= 500:
        return False
    return {"role-refused": status == 403,
            "object-refused": status in (403, 404),
            "allowed": status not in (401, 403, 404) and status != 405}[outcome]


def mismatches(route: Route, case: Case, world, client_for, api_for) -> list[str]:
    url = reverse(route.key, kwargs={"org_slug": world.org.slug, **case.kwargs(world)})
    found = []
    for role in MEMBER_ROLES:
        member = getattr(world, role)
        client = api_for(member) if route.is_api else client_for(member)
        for method in case.methods:
            if declared_roles(route, method) is None:
                continue  # not routed: the coverage test checks it is 405 for everyone
            outcome = expected(route, case, role, method)
            status = answer(client, method, url, route.is_api).status_code
            if not matches(outcome, status):
                found.append(f"{role:8} {method:6} {url} -> {status}, expected {outcome}")
    return found


def anonymous_mismatches(route: Route, case: Case, world) -> list[str]:
    url = reverse(route.key, kwargs={"org_slug": world.org.slug, **case.kwargs(world)})
    client = APIClient() if route.is_api else Client()
    found = []
    for method in case.methods:
        if declared_roles(route, method) is None:
            continue
        response = answer(client, method, url, route.is_api)
        if route.is_api:
            ok = response.status_code in (401, 403)
        else:
            ok = response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
        if not ok:
            found.append(f"anonymous {method} {url} -> {response.status_code} {response.get('Location', '')}")
    return found


# --- Tests ------------------------------------------------------------------------------------------------

def test_every_org_route_declares_who_may_use_it():
    routes = list(walk(get_resolver()))
    problems = undeclared(routes)
    assert not problems, ("Declare the roles (org_view(*roles) for pages, action_roles on the viewset for the "
                          "API; EVERY_MEMBER / org_view() for any member):\n  " + "\n  ".join(problems))


def test_reached_by_is_only_used_on_routes_with_an_object_id():
    # On a route without an object, "reached_by" could only hide a role bug.
    routes = routes_by_key()
    misused = [name for name, case in COVERAGE.items()
               if case.reached_by is not None and not has_object_id(routes[name])]
    assert not misused


@pytest.mark.parametrize("name", sorted(COVERAGE))
def test_each_role_gets_what_the_route_declares(name, world, client_for, api_for):
    route, case = routes_by_key()[name], COVERAGE[name]

    found = mismatches(route, case, world, client_for, api_for)

    assert not found, f"{name} declares {[declared_roles(route, m) for m in case.methods]}:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("name", sorted(COVERAGE))
def test_anonymous_is_sent_to_sign_in_or_refused(name, world):
    route, case = routes_by_key()[name], COVERAGE[name]

    found = anonymous_mismatches(route, case, world)

    assert not found, "\n".join(found)


# --- Test of the test: a throwaway urlconf -----------------------------------------------------------------

def _undeclared_view(request, org_slug):
    return HttpResponse("ok")


def _lying_view(request, org_slug):
    """Declares managers only, but lets every member in: the matrix must report it."""
    resolve_org(request, org_slug)
    return HttpResponse("ok")


_lying_view.org_roles = ("manager",)


@org_view("manager")
def _honest_view(request, org, membership):
    return HttpResponse("ok")


class _HalfDeclaredViewSet(OrgScopedViewSet):
    """Declares who may list, forgets who may create."""

    queryset = Membership.unscoped.none()
    action_roles = {"list": EVERY_MEMBER}

    def org_queryset(self, org, membership):
        return Membership.objects.for_org(org)

    def list(self, request, org_slug):
        return Response([])

    def create(self, request, org_slug):
        return Response({}, status=201)


@pytest.fixture
def throwaway_urls():
    module = types.ModuleType("tests._throwaway_urls")
    module.urlpatterns = [
        path("o/<slug:org_slug>/undeclared/", _undeclared_view, name="tt_undeclared"),
        path("o/<slug:org_slug>/lying/", _lying_view, name="tt_lying"),
        path("o/<slug:org_slug>/honest/", _honest_view, name="tt_honest"),
        path("api/v1/orgs/<slug:org_slug>/half/", _HalfDeclaredViewSet.as_view({"get": "list", "post": "create"}),
             name="tt_half"),
        *import_module(settings.ROOT_URLCONF).urlpatterns,  # the real routes: pages link to them
    ]
    sys.modules[module.__name__] = module
    with override_settings(ROOT_URLCONF=module.__name__):
        yield module
    del sys.modules[module.__name__]


def test_a_new_route_without_coverage_or_declaration_is_reported(throwaway_urls):
    routes = list(walk(get_resolver(throwaway_urls.__name__)))

    reported = [r.split(":")[0] for r in undeclared(routes) if r.startswith("tt_")]

    assert reported == ["tt_half POST", "tt_undeclared GET"]
    assert {r.split()[0] for r in uncovered_routes(routes)} >= {"tt_undeclared", "tt_lying", "tt_honest", "tt_half"}


def test_a_route_that_lets_the_wrong_role_in_is_reported(throwaway_urls, world, client_for, api_for):
    routes = {r.key: r for r in walk(get_resolver(throwaway_urls.__name__))}

    lying = mismatches(routes["tt_lying"], Case(), world, client_for, api_for)
    honest = mismatches(routes["tt_honest"], Case(), world, client_for, api_for)

    assert sorted(line.split()[0] for line in lying) == ["hr", "mentee", "mentor"]
    assert honest == []


def test_anonymous_check_reports_a_page_that_serves_anonymous(throwaway_urls, world):
    routes = {r.key: r for r in walk(get_resolver(throwaway_urls.__name__))}

    assert anonymous_mismatches(routes["tt_undeclared"], Case(), world)
    assert not anonymous_mismatches(routes["tt_honest"], Case(), world)
