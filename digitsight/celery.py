import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsight.settings.local")

app = Celery("digitsight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
