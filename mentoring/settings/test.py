"""Test profile: real Postgres and Redis (defaults below, overridable by
DATABASE_URL / REDIS_URL), fast password hashing."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/touchpoint")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")  # apart from the cache (tests clear it)
os.environ.setdefault("CACHE_KEY_PREFIX", "tp-test")

from .base import *  # noqa: E402,F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test process always gets locmem (Django's test setup); a worker subprocess
# cannot share that outbox, so tests that start one pass a file backend here.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WEBHOOK_ALLOW_PRIVATE = True  # tests post to a local http.server
WHITENOISE_AUTOREFRESH = True
