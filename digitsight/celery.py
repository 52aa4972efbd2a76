import logging
import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsight.settings.local")

app = Celery("digitsight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Connects the task signal handlers that count tasks for /metrics.
from digitsight import task_metrics  # noqa: E402, F401


@setup_logging.connect
def config_loggers(*args, loglevel=None, **kwargs):
    """Workers log through Django's LOGGING (handlers, format) instead of Celery's own setup."""
    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:  # an explicit `--loglevel` still wins, as before
        logging.getLogger().setLevel(loglevel)
