"""allauth's rate limits, on the real Redis cache of the test settings: repeated
failed sign-ins for one account are blocked, even with the right password
afterwards, while other accounts still sign in."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
BLOCKED = "Too many failed login attempts"


def sign_in(client, email, password, ip="198.51.100.7"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_the_rate_limit_cache_is_redis():
    # mentoring.cache.TolerantRedisCache: Redis, degrading (closed for claims) when Redis is down.
    assert type(caches["default"]).__name__ == "TolerantRedisCache"


def test_five_failed_sign_ins_block_the_account_even_with_the_right_password(manager, password):
    client = Client()
    failures = [sign_in(client, manager.user.email, "wrong-password") for _ in range(5)]
    blocked = sign_in(client, manager.user.email, password)
    assert [BLOCKED in r.content.decode() for r in failures] == [False] * 5
    assert (blocked.status_code, BLOCKED in blocked.content.decode(), "_auth_user_id" in client.session) == (
        200, True, False)


def test_a_blocked_account_does_not_block_another_one(manager, mentor, password):
    for _ in range(6):
        sign_in(Client(), manager.user.email, "wrong-password", ip="198.51.100.8")
    response = sign_in(Client(), mentor.user.email, password, ip="198.51.100.9")
    assert response.status_code == 302


def test_failed_sign_ins_from_one_ip_across_accounts_are_blocked(manager, mentor, mentee, hr, password):
    client = Client()
    accounts = [manager, mentor, mentee, hr]
    for attempt in range(10):
        sign_in(client, accounts[attempt % 4].user.email, "wrong-password")
    response = sign_in(client, mentee.user.email, password)
    assert (response.status_code, BLOCKED in response.content.decode()) == (200, True)


def test_below_the_limit_the_right_password_still_signs_in(manager, password):
    for _ in range(3):
        sign_in(Client(), manager.user.email, "wrong-password")
    assert sign_in(Client(), manager.user.email, password).status_code == 302
