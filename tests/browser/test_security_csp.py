"""The strict CSP blocks nothing our pages need: every org page without an id
in its URL, the account pages and the API docs are opened in headless Chromium
as a program manager, and the browser must report no CSP violation."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = [pytest.mark.django_db(transaction=True)]
SKIP = re.compile(r"\.(csv|ics)$|export|template")  # downloads, not pages


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), entry.name


def org_pages() -> list[str]:
    """Names of the HTML routes under /o/<org_slug>/ that take no other argument."""
    names = set()
    for route, name in _routes(get_resolver().url_patterns):
        if route.startswith("o/<slug:org_slug>/") and route.count("<") == 1 and not SKIP.search(route):
            names.add(name)
    return sorted(names)


def csp_violations(page) -> list[str]:
    return [m for m in page.console_errors if "Content Security Policy" in m or "Refused to" in m]


def test_org_pages_and_account_pages_run_under_the_csp_without_violations(signed_in_page, manager, mentee):
    page = signed_in_page(manager)
    urls = [reverse(name, args=["acme"]) for name in org_pages()]
    urls += [reverse(name) for name in ("api_tokens", "account_email", "account_change_password", "mfa_index")]
    visited = []
    for url in urls:
        if page.request.get(url).status == 405:  # an action (POST only), not a page
            continue
        response = page.goto(url)
        visited.append((url, response.status))
    # 403: a page for another role (rendered all the same); 404 or 5xx would be a broken walk.
    assert [v for v in visited if v[1] not in (200, 403)] == []
    assert csp_violations(page) == []
    assert len(urls) >= 10  # the walk found the org's pages


def test_live_people_search_with_htmx_works_under_the_csp(signed_in_page, manager, mentee):
    page = signed_in_page(manager)
    page.goto(reverse("people_list", args=["acme"]))
    page.get_by_role("searchbox").first.fill("Mina")
    page.wait_for_load_state("networkidle")
    page.get_by_text("Mina Mentee").first.wait_for()
    assert csp_violations(page) == []


def test_swagger_ui_renders_under_the_csp(page):
    page.goto(reverse("api_docs"))
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Touchpoint API" in page.locator(".swagger-ui .info .title").inner_text()
    assert csp_violations(page) == []
