"""/metrics: Prometheus text behind a bearer token; Celery figures recorded in Redis by the workers."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from accounts.tasks import ping
from digitsight.task_metrics import record
from predictor.models import Prediction
from tests.live_worker import wait_for
from tests.predictor.factories import PredictionFactory

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def token(settings):
    settings.DIGITSIGHT_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict:
    """{(sample name, frozen labels): value} of one authorised scrape."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_it_404s_while_no_token_is_configured(client, settings):
    settings.DIGITSIGHT_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Token {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_it_refuses_a_missing_or_wrong_token(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 403 and response["WWW-Authenticate"] == "Bearer"
    assert b"django_http" not in response.content


def test_it_refuses_writes(client, token):
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


@pytest.mark.django_db
def test_it_exports_requests_and_database_queries(client, token, owner):
    assert client.get("/accounts/login/").status_code == 200
    assert Prediction.objects.filter(owner=owner).count() == 0  # one query through the wrapper
    samples = scrape(client)
    assert any(name.startswith("django_http_requests_total_by_method") for name, _ in samples)
    assert any(name.startswith("django_db_execute_total") for name, _ in samples)


@pytest.mark.django_db
def test_it_counts_predictions_by_state_and_ages_the_oldest_pending(client, token, owner):
    from datetime import timedelta

    from django.utils import timezone

    old = PredictionFactory(owner=owner)
    Prediction.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    PredictionFactory(owner=owner)
    PredictionFactory(owner=owner, status="failed")
    PredictionFactory(owner=owner, status="processing")
    samples = scrape(client)
    assert value(samples, "digitsight_predictions", status="pending") == 2
    assert value(samples, "digitsight_predictions", status="processing") == 1
    assert value(samples, "digitsight_predictions", status="failed") == 1
    assert 300 <= value(samples, "digitsight_oldest_pending_prediction_age_seconds") < 400


@pytest.mark.django_db
def test_it_reports_no_pending_age_when_nothing_waits(client, token):
    assert value(scrape(client), "digitsight_oldest_pending_prediction_age_seconds") == 0


@pytest.mark.django_db
def test_it_keeps_task_counts_and_latency_histograms(client, token):
    task = "tests.metrics.example"
    before = scrape(client)
    record(task, "success", 0.3)
    record(task, "failure", 7.0)
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("digitsight_celery_tasks_total", task=task, state="success") == 1
    assert grew("digitsight_celery_tasks_total", task=task, state="failure") == 1
    assert grew("digitsight_celery_task_duration_seconds_count", task=task) == 2
    assert grew("digitsight_celery_task_duration_seconds_bucket", task=task, le="0.25") == 0
    assert grew("digitsight_celery_task_duration_seconds_bucket", task=task, le="0.5") == 1
    assert grew("digitsight_celery_task_duration_seconds_bucket", task=task, le="10.0") == 2
    assert grew("digitsight_celery_task_duration_seconds_sum", task=task) == pytest.approx(7.3)


@pytest.mark.django_db
def test_it_counts_tasks_killed_in_the_pool_but_not_ordinary_failures_twice(client, token):
    from celery import signals
    from celery.exceptions import TimeLimitExceeded

    before = scrape(client)
    # What the worker's main process sends when it kills a child at the hard time limit.
    signals.task_failure.send(sender=ping, task_id="t1", exception=TimeLimitExceeded(180))
    # What a pool child sends for an exception the task raised (postrun counts that one).
    signals.task_failure.send(sender=ping, task_id="t2", exception=ValueError("bad"))
    after = scrape(client)
    labels = {"task": "accounts.tasks.ping", "state": "killed"}
    assert (
        value(after, "digitsight_celery_tasks_total", **labels)
        - value(before, "digitsight_celery_tasks_total", **labels)
        == 1
    )
    failures = {"task": "accounts.tasks.ping", "state": "failure"}
    assert value(after, "digitsight_celery_tasks_total", **failures) == value(
        before, "digitsight_celery_tasks_total", **failures
    )


def test_it_never_breaks_a_task_when_redis_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    record("tests.metrics.example", "success", 0.1)  # drops the sample, raises nothing
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.django_db
def test_it_reports_the_depth_of_each_queue(client, token, celery_on_redis):
    ping.apply_async(queue="exports")
    ping.apply_async(queue="exports")
    ping.apply_async(queue="audio")
    samples = scrape(client)
    assert value(samples, "digitsight_celery_queue_length", queue="exports") == 2
    assert value(samples, "digitsight_celery_queue_length", queue="audio") == 1
    assert value(samples, "digitsight_celery_queue_length", queue="photos") == 0


@pytest.mark.worker
@pytest.mark.slow
def test_it_counts_tasks_that_ran_in_a_worker_process(client, token, live_worker):
    before = value(
        scrape(client), "digitsight_celery_tasks_total", task="accounts.tasks.ping", state="success"
    )
    assert ping.delay().get(timeout=60) == "pong"
    grown = wait_for(
        lambda: (
            value(
                scrape(client), "digitsight_celery_tasks_total", task="accounts.tasks.ping", state="success"
            )
            > before
        )
    )
    assert grown
