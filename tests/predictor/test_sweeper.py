"""The sweeper's choices (the worker-side round trip is in test_worker)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from digitsight.celery import app
from predictor.models import Prediction
from predictor.tasks import sweep
from tests.predictor.factories import PredictionFactory

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - datetime.timedelta(hours=1)


def age(prediction, **fields):
    Prediction.objects.filter(pk=prediction.pk).update(**fields)


def test_it_requeues_only_what_is_stuck(owner, django_capture_on_commit_callbacks):
    fresh = PredictionFactory(owner=owner)
    busy = PredictionFactory(owner=owner, status="processing", started_at=timezone.now())
    lost = PredictionFactory(owner=owner)
    hung = PredictionFactory(owner=owner, status="processing", claimed_by="gone")
    age(lost, created_at=LONG_AGO)
    age(hung, created_at=LONG_AGO, started_at=LONG_AGO)
    age(busy, created_at=LONG_AGO)  # old upload, but its reading started just now
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == {"requeued": 2, "failed": 0, "audio": 0}
    statuses = dict(Prediction.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == statuses[hung.pk] == "done"
    assert (statuses[fresh.pk], statuses[busy.pk]) == ("pending", "processing")


def test_it_gives_up_after_too_many_attempts(owner, settings):
    stuck = PredictionFactory(owner=owner, status="processing", attempts=settings.DIGITSIGHT_MAX_ATTEMPTS)
    age(stuck, started_at=LONG_AGO)
    assert sweep() == {"requeued": 0, "failed": 1, "audio": 0}
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "server problem" in stuck.error


def test_it_runs_as_a_command(owner, capsys):
    age(PredictionFactory(owner=owner), created_at=LONG_AGO)
    call_command("sweep_predictions")
    assert "re-enqueued 1" in capsys.readouterr().out


def test_it_is_scheduled_in_celery_beat():
    entry = app.conf.beat_schedule["sweep-stuck-predictions"]
    assert entry["task"] == "predictor.tasks.sweep_predictions" and entry["task"] in app.tasks
