"""One fixture set used everywhere: in org A a manager, a mentor, a mentee and
an HR viewer; in org B an outsider (like Healthchecks' alice/bob/charlie)."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    """Name the missing service and how to start it, instead of 200 errors."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    problems = []
    if db["ENGINE"].endswith("postgresql") and not _reachable(
            f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}", 5432):
        problems.append(
            f"PostgreSQL is not reachable at {db.get('HOST')}:{db.get('PORT') or 5432}. Start it with: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
            "(or set DATABASE_URL).")
    if settings.REDIS_URL and not _reachable(settings.REDIS_URL, 6379):
        problems.append(
            f"Redis is not reachable at {settings.REDIS_URL}. Start it with: "
            "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no "
            "(or set REDIS_URL).")
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (rate limits, throttles)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def org_a(db):
    return OrganizationFactory(slug="acme", name="Acme")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(slug="globex", name="Globex")


@pytest.fixture
def manager(org_a):
    return MembershipFactory(organization=org_a, is_manager=True, display_name="Maria Manager",
                             user__email="manager@acme.test")


@pytest.fixture
def mentor(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, display_name="Otto Mentor",
                             user__email="mentor@acme.test")


@pytest.fixture
def mentee(org_a):
    return MembershipFactory(organization=org_a, is_mentee=True, display_name="Mina Mentee",
                             user__email="mentee@acme.test")


@pytest.fixture
def hr(org_a):
    return MembershipFactory(organization=org_a, is_hr=True, display_name="Hana HR", user__email="hr@acme.test")


@pytest.fixture
def outsider(org_b):
    return MembershipFactory(organization=org_b, is_manager=True, display_name="Olga Outsider",
                             user__email="outsider@globex.test")


@pytest.fixture
def client_for(client):
    """``client_for(membership)`` -> a Django test client signed in as them."""
    from django.test import Client

    def make(membership):
        c = Client()
        c.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make


@pytest.fixture
def api_for():
    """``api_for(membership)`` -> a DRF APIClient with a Bearer token of theirs."""
    from rest_framework.test import APIClient

    from mentoring.services import token_issue

    def make(membership):
        _, raw = token_issue(user=membership.user, name="test")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return make


@pytest.fixture
def password():
    return PASSWORD


def pytest_configure(config):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
