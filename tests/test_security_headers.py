"""Security headers on every kind of page, a strict CSP that templates keep to,
and the production profile's HSTS and secure cookies (issue 8, item 3)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.test_settings import ROOT, _production_env

pytestmark = pytest.mark.django_db
TEMPLATES = Path(ROOT) / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def anonymous_login_page(client, **_):
    return client.get(reverse("account_login"))


def manager_org_home(client_for, manager, **_):
    return client_for(manager).get(reverse("org_home", args=["acme"]))


def mentee_people_list(client_for, mentee, **_):
    return client_for(mentee).get(reverse("people_list", args=["acme"]))


def manager_audit_log(client_for, manager, **_):
    return client_for(manager).get(reverse("audit_log", args=["acme"]))


def api_people(api_for, manager, **_):
    return api_for(manager).get("/api/v1/orgs/acme/people/")


def not_found_page(client, **_):
    return client.get("/no-such-page/")


PAGES = [anonymous_login_page, manager_org_home, mentee_people_list, manager_audit_log, api_people, not_found_page]


@pytest.fixture
def fetch(client, client_for, api_for, manager, mentee):
    return lambda page: page(client=client, client_for=client_for, api_for=api_for, manager=manager, mentee=mentee)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.__name__)
def test_pages_carry_the_security_headers(page, fetch):
    response = fetch(page)
    assert (response["X-Frame-Options"], response["Referrer-Policy"], response["X-Content-Type-Options"],
            response["Cross-Origin-Opener-Policy"]) == ("DENY", "same-origin", "nosniff", "same-origin")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.__name__)
def test_pages_carry_a_strict_content_security_policy(page, fetch):
    csp = policy(fetch(page))
    assert {name: csp.get(name) for name in ("default-src", "frame-ancestors", "form-action", "base-uri",
                                             "object-src", "img-src")} == {
        "default-src": ["'self'"], "frame-ancestors": ["'none'"], "form-action": ["'self'"],
        "base-uri": ["'self'"], "object-src": ["'none'"], "img-src": ["'self'", "data:"]}
    assert [s for s in csp["script-src"] + csp["style-src"] if s.startswith("'unsafe")] == []


def test_a_page_using_the_nonce_gets_it_in_the_header(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse(f"<script nonce='{r.csp_nonce}'></script>"))
    response = middleware(request)
    assert f"'nonce-{request._csp_nonce}'" in policy(response)["script-src"]


def test_api_docs_load_their_script_from_a_url_and_relax_only_styles(client):
    page = client.get(reverse("api_docs"))
    script = client.get(reverse("api_docs") + "?script=")
    csp = policy(page)
    assert (csp["script-src"], csp["style-src"]) == (["'self'"], ["'self'", "'unsafe-inline'"])
    assert re.findall(r"<script>", page.content.decode()) == []
    assert (script.status_code, script["Content-Type"].split(";")[0]) == (200, "application/javascript")


# --- Templates keep to the policy -------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.I)
INLINE_STYLE = re.compile(r"<style\b(?![^>]*\bnonce=)|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def _without_comments(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", "", text)
    return re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.S)


def _page_templates():
    # Emails are not pages: mail clients need inline styles and ignore CSP.
    return sorted(p for p in TEMPLATES.rglob("*.html") if "emails" not in p.relative_to(TEMPLATES).parts)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER],
                         ids=["inline-script", "inline-style", "event-handler-attribute"])
def test_no_page_template_needs_inline_code_the_policy_would_block(pattern):
    offenders = [f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}"
                 for path in _page_templates() for match in pattern.finditer(_without_comments(path.read_text()))]
    assert offenders == []


def test_the_template_scan_catches_an_inline_script():
    samples = ['<script>alert(1)</script>', '<button onclick="go()">', '<p style="color:red">']
    assert [bool(INLINE_SCRIPT.search(s) or EVENT_HANDLER.search(s) or INLINE_STYLE.search(s))
            for s in samples] == [True, True, True]


def test_htmx_is_told_not_to_inject_its_indicator_style(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "<meta name=\"htmx-config\" content='{\"includeIndicatorStyles\": false}'>" in html


# --- Production profile ---------------------------------------------------------------------

# The page itself under production settings; only static file names come from
# the finders (the manifest needs collectstatic, which a test does not run).
PROBE = """
import json
from django.conf import settings
from django.test import Client, override_settings
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
response = Client().get("/accounts/login/", secure=True)
cookie = response.cookies.get("csrftoken")
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "csp": bool(response.get("Content-Security-Policy")),
    "csrf_cookie_secure": bool(cookie and cookie["secure"]),
    "insecure_redirect": Client().get("/accounts/login/").status_code,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
}))
"""


def test_production_profile_sends_hsts_and_secure_cookies():
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=ROOT,
                            env=_production_env(ALLOWED_HOSTS="testserver"), capture_output=True, text=True,
                            timeout=120)
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {"status": 200, "hsts": "max-age=31536000; includeSubDomains; preload", "csp": True,
                     "csrf_cookie_secure": True, "insecure_redirect": 301, "session_cookie_secure": True,
                     "session_cookie_httponly": True}, result.stderr
