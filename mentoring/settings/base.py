"""Touchpoint settings, read from the environment in this one place (12-factor).

With nothing set, the app runs on the embedded default used by ``make run``: a
SQLite file, a file-based cache and Celery on kombu's ``filesystem://``
transport.  Tests and production set ``DATABASE_URL`` and ``REDIS_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Where the embedded default keeps its state (SQLite file, cache, broker queue).
RUN_DIR = Path(os.environ.get("TOUCHPOINT_RUN_DIR", BASE_DIR / ".run"))


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME from the environment, or from the file named by NAME_FILE
    (Docker/Kubernetes secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY") or "touchpoint-insecure-development-key-change-me-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute base for links in emails and calendar feeds.
SITE_URL = (env("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served locally (no CDN)
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "mentoring",
    "sessions_app",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentoring.middleware.ViewerTimezoneMiddleware",
    "mentoring.audit.AuditContextMiddleware",  # the client IP for audit events
    "mentoring.middleware.ConflictMiddleware",  # an unanticipated constraint conflict: 409, not 500
]

ROOT_URLCONF = "mentoring.urls"
WSGI_APPLICATION = "mentoring.wsgi.application"
ASGI_APPLICATION = "mentoring.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentoring.context_processors.tenancy",
                "sessions_app.context_processors.notifications",
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} for the rare inline script
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
EMBEDDED = not env("DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{RUN_DIR / 'touchpoint.sqlite3'}",
        # Persistent connections under gunicorn's threads; health-checked so a
        # restarted Postgres does not leave dead connections behind.
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # make run's web server and worker share the file: WAL lets them read while
    # one writes, IMMEDIATE transactions avoid "database is locked" upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "mentoring.User"

# --- Redis, cache, Celery ----------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Logs and degrades when Redis is down (mentoring/cache.py): never a 500.
            "BACKEND": "mentoring.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "tp"),
            # A down Redis must not take pages with it: fail fast.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Sessions are read from Redis on every signed-in request (written through to
    # Postgres, so a cache flush signs nobody out): one query less per page.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # allauth's rate limits need a cache shared by all processes: a file cache
    # is shared between the web server and the worker of ``make run``.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(RUN_DIR / "cache"),
        }
    }

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
BROKER_DIR = RUN_DIR / "broker"
# The broker may live in its own Redis database (CELERY_BROKER_URL) so that
# clearing the cache can never drop queued tasks.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # Above the longest countdown/ETA we use, so Redis never redelivers a
    # task that is only waiting (see docs "Visibility timeout").
    {"visibility_timeout": 6 * 3600}
    if CELERY_BROKER_URL.startswith("redis")
    else {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Tasks go to this queue; a test worker sets its own so it never meets another's tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Outbound webhooks may post to private/loopback addresses (SSRF guard off): for tests and
# intranet-only deployments; off by default so a manager cannot aim the server at its own network.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "mentoring.tasks.worker_heartbeat", "schedule": 60.0},
    # Outbox messages whose publish failed while the broker was down (mentoring/outbox.py).
    "relay-outbox": {"task": "mentoring.tasks.relay_outbox", "schedule": 60.0},
    "sync-external-calendars": {"task": "sessions_app.tasks.sync_due_calendars", "schedule": 15 * 60.0},
    "sweep-nudges": {"task": "sessions_app.tasks_nudges.sweep_nudges", "schedule": 5 * 60.0},
    "deliver-due-nudges": {"task": "sessions_app.tasks_nudges.deliver_due_nudges", "schedule": 60.0},
    # The weekly digest is swept with the nudges (Monday 08:00 local per org); webhooks have a safety net.
    "deliver-due-webhooks": {"task": "sessions_app.tasks_nudges.deliver_due_webhooks", "schedule": 60.0},
    # Dashboards: the nightly full recompute of every org's snapshots (a check on the incremental updates).
    "metrics-full-recompute": {"task": "metrics.tasks.snapshots_full_recompute_task",
                               "schedule": crontab(hour=2, minute=30)},
}
# Dashboards: seconds an incremental snapshot refresh waits after a change, so a burst of
# writes costs one refresh; METRICS_AUTO_REFRESH=0 turns the refresh-on-change off.
METRICS_REFRESH_DELAY_S = int(env("METRICS_REFRESH_DELAY_S", "30"))
METRICS_AUTO_REFRESH = env_bool("METRICS_AUTO_REFRESH", True)

# --- Auth (django-allauth) -----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "mentoring.auth.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Touchpoint] "
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so they are visibly on.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# The client IP for rate limits and the audit log. Behind N reverse proxies set
# TRUSTED_PROXY_COUNT=N (read from X-Forwarded-For), or name the header the proxy
# sets (TRUSTED_CLIENT_IP_HEADER=X-Real-IP); otherwise every client shares the
# proxy's address and its per-IP limits.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Touchpoint"

# --- Email -------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# For django.core.mail.backends.filebased.EmailBackend (e.g. a test worker's outbox).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(RUN_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Touchpoint <touchpoint@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mentoring.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "mentoring.api_base.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mentoring.api_base.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    # No OPTIONS metadata: the OpenAPI schema documents the API (and DRF's
    # metadata would describe serializers to anyone who asks).
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "mentoring.api_base.ContentNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Touchpoint API",
    "DESCRIPTION": "Micro-mentoring programs: organisations, people, pairing, sessions and impact.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "mentoring.api_schema.document_error_responses"],
    # Several models have a "kind"; name the role events' one so the others keep theirs.
    "ENUM_NAME_OVERRIDES": {"RoleEventKindEnum": "metrics.models.RoleEvent.Kind",
                            "ProgramKindEnum": "mentoring.models_programs.Program.Kind"},
}

# --- I18N / static -------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / ".run" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if not DEBUG and env_bool("STATIC_MANIFEST", True) and not EMBEDDED
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve files straight from the finders when there is no collectstatic run.
WHITENOISE_USE_FINDERS = DEBUG or EMBEDDED

# Uploads are bounded (CSV imports, calendar files).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PEOPLE_IMPORT_MAX_ROWS = 10_000
# Role-event / ramp-milestone imports (an HRIS export covers years of history).
METRICS_IMPORT_MAX_ROWS = 50_000
METRICS_IMPORT_MAX_BYTES = 5 * 1024 * 1024
# make bench's two baseline views under /bench/: routed only when the bench turns this on.
BENCH_BASELINES = env_bool("BENCH_BASELINES", False)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content-Security-Policy (django-csp 4) ----------------------------------------------
# No inline script or style: scripts come from /static/ or carry the per-request
# nonce ({{ CSP_NONCE }}; the nonce appears in the header only when a page uses it).
# htmx's own inline indicator <style> is switched off in base.html (htmx-config)
# and the indicator is styled in app.css. /api/docs/ relaxes style-src for
# Swagger UI only (mentoring.urls). Tests: tests/test_security_headers.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
