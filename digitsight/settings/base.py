"""Settings shared by every environment. Values come from the environment
through django-environ's typed readers (env.bool, env.int, env.list, ...)."""

from pathlib import Path

import environ
from kombu import Exchange, Queue

from digitsight import queues
from digitsight.storage import s3_backend

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

VAR_DIR = Path(env.str("DIGITSIGHT_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-only-key-do-not-deploy")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "accounts",
    "predictor",
    "grading",
    "worksheets",
]

MIDDLEWARE = [
    # First and last: django-prometheus times every request (the request counts of /metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Load-balancer probes answer before host validation and the HTTPS redirect: they come
    # over plain HTTP with an IP address as Host (digitsight/health.py).
    "digitsight.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF reads POST): oversized requests never reach the disk.
    "digitsight.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, so it sees a view's database error first: 503 and a retry message, not a 500.
    "digitsight.errors.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "digitsight.urls"
WSGI_APPLICATION = "digitsight.wsgi.application"

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
            ],
        },
    },
]

# --- Database: SQLite in var/ unless DATABASE_URL names another one.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# django-prometheus's wrappers of the same backends count queries and errors for /metrics.
_PROMETHEUS_DB = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_DB.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "predictor:history"
LOGOUT_REDIRECT_URL = "accounts:login"
# Failed logins allowed per IP and per username within LOGIN_THROTTLE_WINDOW seconds.
LOGIN_THROTTLE_FAILURES = env.int("DIGITSIGHT_LOGIN_THROTTLE_FAILURES", default=20)
LOGIN_THROTTLE_WINDOW = env.int("DIGITSIGHT_LOGIN_THROTTLE_WINDOW", default=3600)
# Accounts created per IP, and password-reset e-mails per IP and per address, per hour.
SIGNUP_THROTTLE = env.int("DIGITSIGHT_SIGNUP_THROTTLE", default=10)
PASSWORD_RESET_THROTTLE = env.int("DIGITSIGHT_PASSWORD_RESET_THROTTLE", default=5)
ACTION_THROTTLE_WINDOW = 3600
# Reverse proxies in front of gunicorn that append to X-Forwarded-For. 0 trusts
# none of it: the throttle then counts per REMOTE_ADDR.
DIGITSIGHT_PROXY_COUNT = env.int("DIGITSIGHT_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Files. Media is never served by a public URL: views check access first.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm at install time (package.json), never a CDN.
STATICFILES_DIRS += [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in {
        "bootstrap": "bootstrap/dist",
        "chartjs": "chart.js/dist",
    }.items()
    if (NODE_MODULES / path).is_dir()
]
MEDIA_ROOT = Path(env.str("DIGITSIGHT_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Media (uploads, audio, exports) in an S3-compatible bucket when one is named, so web servers
# and workers on different hosts share no disk. Without keys, boto3 looks for an instance role.
DIGITSIGHT_S3_BUCKET = env.str("DIGITSIGHT_S3_BUCKET", default="")
if DIGITSIGHT_S3_BUCKET:
    STORAGES["default"] = s3_backend(
        DIGITSIGHT_S3_BUCKET,
        endpoint_url=env.str("DIGITSIGHT_S3_ENDPOINT_URL", default=""),
        region=env.str("DIGITSIGHT_S3_REGION", default=""),
        addressing_style=env.str("DIGITSIGHT_S3_ADDRESSING_STYLE", default="path"),
        location=env.str("DIGITSIGHT_S3_PREFIX", default="media"),
        access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
    )
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Cache (login throttle counters, audio cache keys). Redis when configured.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery. Without REDIS_URL tasks run in-process (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# With acks_late an unacked task is redelivered after the visibility timeout:
# keep it well above the hard time limit so a slow task is not run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    # A message held by a worker that died (kill -9, OOM) is found by an idle worker's sweep
    # every interval x throttle seconds (kombu: 10 x 10) once the visibility timeout is over.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    # Queues are taken in CELERY_TASK_QUEUES order, not in turn (see below).
    "queue_order_strategy": "priority",
}
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One queue per kind of work (digitsight/queues.py); a worker consumes them all unless
# started with -Q, e.g. `celery -A digitsight worker -Q photos` for a dedicated photo worker.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in queues.ALL]
CELERY_TASK_DEFAULT_QUEUE = queues.DEFAULT
CELERY_TASK_ROUTES = queues.ROUTES

# --- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "digitsight.schema.AutoSchema",
    "EXCEPTION_HANDLER": "digitsight.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "uploads": env.str("DIGITSIGHT_UPLOAD_THROTTLE", default="120/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DigitSight API",
    "DESCRIPTION": "Read handwritten numbers and grade worksheets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components: read-only fields are not asked for, write-only
    # ones not promised back, and a request field's minimum length never constrains a response.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` field with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "PredictionStatusEnum": "predictor.models.Prediction.Status",
        "SubmissionStatusEnum": "grading.models.Submission.Status",
        "AudioExportStatusEnum": "grading.models.AudioExport.Status",
    },
}

# --- E-mail (password reset). Console locally; SMTP settings in production.
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="DigitSight <noreply@localhost>")

# --- DigitSight
DIGITSIGHT_MAX_UPLOAD_BYTES = env.int("DIGITSIGHT_MAX_UPLOAD_BYTES", default=15 * 1024 * 1024)
# A whole request (several files at once) is refused above this, before its body is read.
DIGITSIGHT_MAX_REQUEST_BYTES = env.int("DIGITSIGHT_MAX_REQUEST_BYTES", default=200 * 1024 * 1024)
DIGITSIGHT_MAX_PIXELS = env.int("DIGITSIGHT_MAX_PIXELS", default=40_000_000)
DIGITSIGHT_MAX_PDF_PAGES = env.int("DIGITSIGHT_MAX_PDF_PAGES", default=50)
# A PDF page is rendered at 200 dpi, scaled down to fit this: a 200x200-inch page (legal in PDF)
# would otherwise cost the worker seconds per page for pixels no handwriting needs.
DIGITSIGHT_MAX_PDF_PAGE_PIXELS = env.int("DIGITSIGHT_MAX_PDF_PAGE_PIXELS", default=16_000_000)
DIGITSIGHT_REVIEW_THRESHOLD = env.float("DIGITSIGHT_REVIEW_THRESHOLD", default=0.9)
DIGITSIGHT_STUCK_AFTER_SECONDS = env.int("DIGITSIGHT_STUCK_AFTER_SECONDS", default=600)
# "auto": gTTS, falling back to the offline engine; "offline": never call Google.
DIGITSIGHT_TTS = env.str("DIGITSIGHT_TTS", default="auto")
# Evaluation reports written by `make evaluate` (ml.evaluate), read by the model page.
DIGITSIGHT_REPORTS_DIR = Path(env.str("DIGITSIGHT_REPORTS_DIR", default=str(VAR_DIR / "reports")))

# /metrics (Prometheus) answers only to `Authorization: Bearer <this>`; unset: 404.
DIGITSIGHT_METRICS_TOKEN = env.str("DIGITSIGHT_METRICS_TOKEN", default="")
# A folder shared by the gunicorn workers of one host (emptied before gunicorn starts), so
# /metrics adds up all of them; prometheus_client reads the same variable.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# Migrations are not a metric worth a database query at every start.
PROMETHEUS_EXPORT_MIGRATIONS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Predictions (issue 4)
# Dotted path of the callable returning the process-wide reader; tests may point it at a stand-in.
DIGITSIGHT_READER = env.str("DIGITSIGHT_READER", default="ml.reader.get_reader")
# Lets tests make a reading fail on purpose through the cache (never on in production).
DIGITSIGHT_FAULT_INJECTION = env.bool("DIGITSIGHT_FAULT_INJECTION", default=False)
# A prediction that failed this many times is marked failed by the sweeper instead of re-enqueued.
DIGITSIGHT_MAX_ATTEMPTS = env.int("DIGITSIGHT_MAX_ATTEMPTS", default=5)
# Deferred work (a readout, an export, a grading) still missing this long after it was due
# had its enqueue lost (Redis down at on_commit, a worker killed holding it): the sweeper queues it
# again. Work older than the window is given up on, so a readout no engine can make is not retried
# for ever.
DIGITSIGHT_LOST_AFTER_SECONDS = env.int("DIGITSIGHT_LOST_AFTER_SECONDS", default=300)
DIGITSIGHT_SWEEP_WINDOW_SECONDS = env.int("DIGITSIGHT_SWEEP_WINDOW_SECONDS", default=7 * 24 * 3600)
# How often beat runs the sweeps: lost work is then finished within grace + this.
DIGITSIGHT_SWEEP_SECONDS = env.float("DIGITSIGHT_SWEEP_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-predictions": {
        "task": "predictor.tasks.sweep_predictions",
        "schedule": DIGITSIGHT_SWEEP_SECONDS,
    },
    "sweep-lost-grading": {"task": "grading.tasks.sweep_grading", "schedule": DIGITSIGHT_SWEEP_SECONDS},
}
