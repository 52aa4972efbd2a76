"""Time the history page with many predictions, for `make bench` and the closing note."""

import statistics
import time
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from predictor.models import Prediction

SAMPLE_RESULT = {
    "numbers": [{"number": "427", "confidence": 0.97, "box": [10, 10, 80, 40], "line": 0, "digits": []}],
    "needs_review": False,
}


class Command(BaseCommand):
    help = "Create N predictions for a throwaway user, time the history page, count its queries, clean up."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=5000)
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, **options):
        user = get_user_model().objects.create_user(
            f"bench-{uuid.uuid4().hex[:10]}", password=uuid.uuid4().hex
        )
        try:
            self._fill(user, options["rows"])
            self._measure(user, options["rows"], options["runs"])
        finally:
            user.delete()

    def _fill(self, user, rows: int) -> None:
        Prediction.objects.bulk_create(
            [
                Prediction(
                    owner=user,
                    image=f"images/{user.pk}/bench.png",
                    original_name=f"bench-{i}.png",
                    status="done",
                    number=str(i),
                    confidence=0.9,
                    result=SAMPLE_RESULT,
                )  # fmt: skip
                for i in range(rows)
            ],
            batch_size=1000,
        )

    def _measure(self, user, rows: int, runs: int) -> None:
        client = Client(HTTP_HOST="localhost")  # a host every settings module allows
        client.force_login(user)
        pages = {
            "first page": reverse("predictor:history"),
            "last page": reverse("predictor:history") + "?page=999999",
            "search": reverse("predictor:history") + "?q=42&status=done",
        }
        for label, url in pages.items():
            client.get(url)  # warm-up: connection, templates
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            self.stdout.write(
                f"history {label} with {rows} rows: median {statistics.median(times):.1f} ms, "
                f"p95 {sorted(times)[int(0.95 * (len(times) - 1))]:.1f} ms, {len(queries)} queries"
            )
