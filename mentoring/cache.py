"""A Redis cache that degrades instead of failing when Redis is down.

Nothing the app needs lives only in the cache (sessions are in the database, queued work in the outbox),
so a cache failure must not become a 500. Every operation that cannot reach Redis logs a warning and
answers as an empty cache would; after a failure Redis is not tried again for ``RETRY_AFTER`` seconds,
so a dead (or black-holed) Redis costs one timeout, not one per call.

Claims degrade **closed**: ``add`` answers False ("someone else holds it") while Redis is down. allauth
builds its rate-limit lock and its TOTP replay guard on ``add``, so sign-in, sign-up and password reset
answer 429 and TOTP codes are refused until Redis is back; everything already signed in keeps working.
An attacker who can knock Redis over therefore gains no unlimited password guesses.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RETRY_AFTER = 5.0  # seconds
FAILURES = (RedisError, OSError)


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, name: str, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except FAILURES as error:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("cache %s failed (%s): degrading for %.0f s", name, error, RETRY_AFTER)
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, key, delta, version)

    def clear(self):
        return self._call("clear", False)
