"""Prometheus metrics at /metrics, behind a bearer token (DIGITSIGHT_METRICS_TOKEN).

Requests and database queries come from django-prometheus (per web process). Celery task
counts, latencies and failures are recorded by the workers (digitsight/task_metrics.py) in Redis,
because workers are other processes on other hosts; the web process reads them back at scrape
time, together with the queue depths (LLEN) and the predictions' state from PostgreSQL.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from digitsight import queues
from digitsight.decorators import require_bearer_token
from digitsight.task_metrics import BUCKETS, COUNTS, DURATIONS, redis_client


def celery_metrics(client) -> list:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    tasks = CounterMetricFamily(
        "digitsight_celery_tasks", "Celery tasks finished, by task and state.", labels=["task", "state"]
    )
    for field, value in sorted(client.hgetall(COUNTS).items()):
        task, state = field.decode().split("\t")
        tasks.add_metric([task, state], int(value))
    latency = HistogramMetricFamily(
        "digitsight_celery_task_duration_seconds", "Time a Celery task ran.", labels=["task"]
    )
    for task, (buckets, total) in _histograms(client.hgetall(DURATIONS)).items():
        latency.add_metric([task], buckets, total)
    depth = GaugeMetricFamily(
        "digitsight_celery_queue_length", "Tasks waiting in each queue.", labels=["queue"]
    )
    for name in queues.ALL:
        depth.add_metric([name], client.llen(name))
    return [tasks, latency, depth]


def _histograms(raw: dict) -> dict:
    fields = {key.decode(): float(value) for key, value in raw.items()}
    out = {}
    for task in {key.split("\t")[0] for key in fields}:
        count = fields.get(f"{task}\tcount", 0)
        buckets = [(str(le), fields.get(f"{task}\t{le}", 0)) for le in BUCKETS] + [("+Inf", count)]
        out[task] = (buckets, fields.get(f"{task}\tsum", 0.0))
    return out


def prediction_metrics() -> list:
    from django.db.models import Count, Min
    from django.utils import timezone
    from prometheus_client.core import GaugeMetricFamily

    from predictor.models import Prediction

    states = GaugeMetricFamily("digitsight_predictions", "Predictions in each state.", labels=["status"])
    shown = ("pending", "processing", "failed")
    rows = Prediction.objects.filter(status__in=shown).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    for status in shown:
        states.add_metric([status], counts.get(status, 0))
    oldest = Prediction.objects.filter(status=Prediction.Status.PENDING).aggregate(t=Min("created_at"))["t"]
    age = GaugeMetricFamily(
        "digitsight_oldest_pending_prediction_age_seconds", "Age of the oldest pending prediction (0: none)."
    )
    age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
    return [states, age]


def process_registry():
    """django-prometheus's figures: of every gunicorn worker when they share a multiprocess folder.

    Without it each scrape would see only the one worker that answered, and counters would jump.
    """
    from django.conf import settings
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class DigitSightCollector:
    def collect(self):
        yield from prediction_metrics()
        client = redis_client()
        if client is not None:
            yield from celery_metrics(client)


@never_cache
@require_safe
@require_bearer_token("DIGITSIGHT_METRICS_TOKEN")
def metrics(request):
    from prometheus_client import CollectorRegistry, generate_latest

    ours = CollectorRegistry(auto_describe=False)
    ours.register(DigitSightCollector())
    body = generate_latest(process_registry()) + generate_latest(ours)
    # The classic text format, which every Prometheus version scrapes.
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
