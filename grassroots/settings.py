"""Django settings for Grassroots.

Every setting that differs between machines comes from an environment variable;
README.md lists them all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("GRASSROOTS_DATA_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_key_from_file(path: Path) -> str:
    """The key in ``path``, made (random, readable by this user only: mode 0600) when missing.

    Written to a private temporary file and linked into place, so the key is never readable by
    others, not even for a moment, and two processes starting at once agree on one key. An
    existing key file readable by others is narrowed to 0600.
    """
    import secrets
    import stat

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("GRASSROOTS_DEBUG", False)
SECRET_KEY = os.environ.get("GRASSROOTS_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("GRASSROOTS_REQUIRE_SECRET_KEY", False):
        raise RuntimeError("GRASSROOTS_SECRET_KEY must be set in production")
    # Development/demo only: a per-checkout key kept under the data directory.
    SECRET_KEY = secret_key_from_file(DATA_DIR / "secret_key")

# Where providers reach us (webhooks) and people follow links (unsubscribe): the public URL.
GRASSROOTS_PUBLIC_URL = os.environ.get("GRASSROOTS_PUBLIC_URL", "http://127.0.0.1:8000")

ALLOWED_HOSTS = env_list("GRASSROOTS_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("GRASSROOTS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "grassroots.core",
    "grassroots.accounts",
    "grassroots.geography",
    "grassroots.people",
    "grassroots.lists",
    "grassroots.surveys",
    "grassroots.messaging",
    "grassroots.events",
    "grassroots.volunteers",
    "grassroots.canvassing",
    "grassroots.api",
]
if os.environ.get("GRASSROOTS_TASK_BACKEND", "db") == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # under WhiteNoise (static files keep their caching): CSP, no-store, Secure cookies
    "grassroots.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "grassroots.accounts.middleware.UserLanguageMiddleware",
    "grassroots.accounts.middleware.TwoFactorRequiredMiddleware",
    "grassroots.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grassroots.core.middleware.ErrorMiddleware",
]

ROOT_URLCONF = "grassroots.urls"
WSGI_APPLICATION = "grassroots.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grassroots.core.context_processors.shell",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'grassroots.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}

# The cache: each web process's own memory unless GRASSROOTS_CACHE_URL names a Redis server
# (redis://host:6379/1), which every web process then shares: the public form rate limits count
# across processes and a public page drawn by one process is served by all.
CACHE_URL = os.environ.get("GRASSROOTS_CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "grassroots",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
# Password sign-ins are throttled per account and per IP (accounts/throttle.py; override its
# rules with LOGIN_THROTTLE = {"account_limit": 10, "ip_limit": 50, ...}).
AUTHENTICATION_BACKENDS = ["grassroots.accounts.backends.ThrottledModelBackend"]
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour, once

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "हिन्दी"), ("bn", "বাংলা"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("GRASSROOTS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"  # never served by URL: files go out through checked views

# Retention (``grassroots housekeeping``, queued hourly by ``grassroots serve``): export files
# are deleted this many hours after they were made; an import's copy of the file, its rejected
# rows and what it takes to roll it back, this many days after it ran.
EXPORT_RETENTION = dt.timedelta(
    hours=float(os.environ.get("GRASSROOTS_EXPORT_RETENTION_HOURS", "24"))
)
IMPORT_RETENTION = dt.timedelta(
    days=float(os.environ.get("GRASSROOTS_IMPORT_RETENTION_DAYS", "30"))
)
# What an import file may be (people.imports.limits; the guide's Imports → Limits): columns,
# what a compressed file may expand to (bytes, and times its own size), data rows.
IMPORT_MAX_COLUMNS = int(os.environ.get("GRASSROOTS_IMPORT_MAX_COLUMNS", "500"))
IMPORT_MAX_DECOMPRESSED_SIZE = int(
    float(os.environ.get("GRASSROOTS_IMPORT_MAX_DECOMPRESSED_GB", "20")) * 1024**3
)
IMPORT_MAX_COMPRESSION_RATIO = float(
    os.environ.get("GRASSROOTS_IMPORT_MAX_COMPRESSION_RATIO", "200")
)
IMPORT_MAX_ROWS = int(os.environ.get("GRASSROOTS_IMPORT_MAX_ROWS", "50000000"))

# HTTPS (docs/guide/security.md). Behind a proxy that ends TLS (nginx, a load balancer), Django
# sees plain HTTP: GRASSROOTS_PROXY_SSL_HEADER=1 trusts the proxy's "X-Forwarded-Proto: https"
# (only when the proxy always sets or overwrites that header, never passing a client's own).
if env_bool("GRASSROOTS_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Secure cookies: on by default outside DEBUG when the public URL is https; either way the
# security middleware marks cookies Secure on every HTTPS request outside DEBUG.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool(
    "GRASSROOTS_SECURE_COOKIES", not DEBUG and GRASSROOTS_PUBLIC_URL.startswith("https://")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS: Django sends it on HTTPS answers only, so it is on by default outside DEBUG (a year).
SECURE_HSTS_SECONDS = int(os.environ.get("GRASSROOTS_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GRASSROOTS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("GRASSROOTS_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("GRASSROOTS_SSL_REDIRECT", False)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of every answer (core.middleware.SecurityHeadersMiddleware; ADR 0015):
# code, styles, fonts and images from this site only; no inline script, event handler, eval,
# <style> element or style= attribute. A directive set to an empty list is left out.
GRASSROOTS_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Events: the public map's tiles (any XYZ tile server; empty = no map, the list only) and the
# sign-up form's spam limits (``events.throttle``). The tiles' origin is added to img-src on
# the map page only.
EVENTS_MAP_TILES = os.environ.get(
    "GRASSROOTS_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
EVENTS_MAP_ATTRIBUTION = os.environ.get(
    "GRASSROOTS_MAP_ATTRIBUTION", "© OpenStreetMap contributors"
)
EVENTS_RSVP_LIMITS = {"per_ip": 20, "per_contact": 5, "window": 600}

# Background work: one task API, the queue is configuration (ARCHITECTURE §1; ADR 0010).
# Two queues by urgency, each with its own worker: "urgent" (sending, webhooks and replies,
# outbox delivery, the minute tick) never waits behind "batch" (imports, dedupe, exports, PDFs).
TASK_BACKEND = os.environ.get("GRASSROOTS_TASK_BACKEND", "db")
TASK_QUEUES = ["urgent", "batch"]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASK_BACKEND == "immediate":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": TASK_QUEUES,
        }
    }
elif TASK_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASK_QUEUES}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# A running job holds a lease its worker renews (a third of it at a time); a job whose lease
# ran out (the worker was killed) is resumed or failed by the minute tick.
JOB_LEASE_SECONDS = float(os.environ.get("GRASSROOTS_JOB_LEASE_SECONDS", "30"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "grassroots.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "grassroots.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "grassroots.core.filters.ScopedFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "grassroots.api.schema.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [  # JSON and form bodies bounded (413); files stream to disk
        "grassroots.api.parsers.JSONParser",
        "grassroots.api.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "grassroots.api.errors.exception_handler",
    # Per signed-out client (IP) and per user (token or session); a throttled request answers
    # 429 in the API's error shape with Retry-After. Counted in the cache (per process with the
    # default local-memory cache: N web processes allow N times the rate).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("GRASSROOTS_API_RATE_ANON", "60/min"),
        "user": os.environ.get("GRASSROOTS_API_RATE_USER", "1200/min"),
    },
}
# A list's ``count`` of at least this many rows may be up to this many seconds old (counting a
# large result on every page is a scan of it; grassroots.api.pagination).
API_COUNT_EXACT_BELOW = int(os.environ.get("GRASSROOTS_API_COUNT_EXACT_BELOW", "10000"))
API_COUNT_CACHE_SECONDS = int(os.environ.get("GRASSROOTS_API_COUNT_CACHE_SECONDS", "30"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Grassroots API",
    "DESCRIPTION": "People, households, contact points, tags and areas of a Grassroots campaign.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "channel", "purpose" or "status" with their own choices: give each
    # its own schema name instead of a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "MessageChannelEnum": "grassroots.messaging.models.Channel",
        "MessagePurposeEnum": "grassroots.messaging.models.Purpose",
        "MessageStatusEnum": "grassroots.messaging.models.Message.Status",
        "BroadcastStatusEnum": "grassroots.messaging.models.Broadcast.Status",
        "ContactPointChannelEnum": "grassroots.people.models.ContactPoint.Channel",
        "ContactPointStatusEnum": "grassroots.people.models.ContactPoint.Status",
        "PersonStatusEnum": "grassroots.people.models.Person.Status",
        "ImportStatusEnum": "grassroots.people.models.ImportBatch.Status",
        "DuplicateStatusEnum": "grassroots.people.models.DuplicatePair.Status",
    },
}

EMAIL_BACKEND = os.environ.get(
    "GRASSROOTS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("GRASSROOTS_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("GRASSROOTS_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("GRASSROOTS_FROM_EMAIL", "grassroots@localhost")

OTP_TOTP_ISSUER = os.environ.get("GRASSROOTS_CAMPAIGN_NAME", "Grassroots")
CAMPAIGN_NAME = os.environ.get("GRASSROOTS_CAMPAIGN_NAME", "Grassroots")
GRASSROOTS_CAMPAIGN_NAME = CAMPAIGN_NAME
# The cost of one SMS segment when the SMS provider account sets none ("0.25 INR"): the template
# editor estimates each message's cost with it. Blank: no estimate.
GRASSROOTS_SMS_SEGMENT_COST = os.environ.get("GRASSROOTS_SMS_SEGMENT_COST", "")
# Provider accounts' API addresses (api_base, api_url) may be plain http or on this machine or
# a private network only when this is on (DEBUG, tests, a loopback fake in a benchmark): see
# docs/guide/security.md.
GRASSROOTS_PROVIDER_URLS_ANYWHERE = env_bool("GRASSROOTS_PROVIDER_URLS_ANYWHERE", DEBUG)
# Email services' webhooks (django-anymail) answer only with this "user:password" (basic auth);
# unset, a random one nobody knows: those webhooks are closed until it is configured.
ANYMAIL = {
    "WEBHOOK_SECRET": os.environ.get("GRASSROOTS_ESP_WEBHOOK_SECRET")
    or "grassroots:" + __import__("secrets").token_urlsafe(24)
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRASSROOTS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # one line per provider request would drown the log of a 100,000-message broadcast
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
