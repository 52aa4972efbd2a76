"""Tests run against PostgreSQL and Redis (see Makefile's `test` target)."""

from .base import *  # noqa: F403
from .base import DATABASES, env

# Several test runs may share one server: the test database name is settable.
DATABASES["default"]["TEST"] = {"NAME": env.str("DIGITSIGHT_TEST_DB", default="test_digitsight")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DIGITSIGHT_TTS = env.str("DIGITSIGHT_TTS", default="offline")
# Tasks run in-process unless a test asks for the real broker (`celery_on_redis`).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# Tests never run collectstatic: let WhiteNoise look files up lazily instead
# of warning that STATIC_ROOT does not exist.
WHITENOISE_AUTOREFRESH = True
