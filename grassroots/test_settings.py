"""Settings for the test suite: the real settings with an immediate task backend and a fast hasher."""

from grassroots.settings import *  # noqa: F403
from grassroots.settings import DATABASES

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["urgent", "batch"],
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# publish() of an event type no app declared raises (production logs an error instead)
GRASSROOTS_STRICT_EVENTS = True

# The provider tests talk to loopback fakes over http (the check itself is tested with it off)
GRASSROOTS_PROVIDER_URLS_ANYWHERE = True

# Count the requests being answered, so a browser test's teardown waits for them before the
# database is flushed (grassroots/testing/inflight.py).
MIDDLEWARE = ["grassroots.testing.inflight.middleware", *MIDDLEWARE]  # noqa: F405
