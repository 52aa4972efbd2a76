"""/predictions/: own only, newest first, search and filters, live fragment, constant query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from predictor.models import Prediction
from tests.predictor.factories import BatchFactory, PredictionFactory

pytestmark = pytest.mark.django_db
URL = reverse("predictor:history")


def names(response) -> list[str]:
    return [p.original_name for p in response.context["rows"]]


def test_it_lists_own_predictions_newest_first(owner_client, owner, stranger):
    for name in ("first.png", "second.png"):
        PredictionFactory(owner=owner, original_name=name)
    PredictionFactory(owner=stranger, original_name="theirs.png")
    response = owner_client.get(URL)
    assert names(response) == ["second.png", "first.png"]
    assert "theirs.png" not in response.content.decode()


def test_it_paginates(owner_client, owner):
    PredictionFactory.create_batch(25, owner=owner)
    assert len(owner_client.get(URL).context["rows"]) == 20
    assert len(owner_client.get(URL, {"page": 2}).context["rows"]) == 5


def test_it_searches_the_reading_and_the_correction(owner_client, owner):
    PredictionFactory(owner=owner, original_name="read.png", number="427", status="done")
    PredictionFactory(owner=owner, original_name="fixed.png", number="1", corrected_number="4270")
    PredictionFactory(owner=owner, original_name="other.png", number="13")
    assert sorted(names(owner_client.get(URL, {"q": "427"}))) == ["fixed.png", "read.png"]


def test_it_filters_by_status_review_and_date(owner_client, owner):
    old = PredictionFactory(owner=owner, original_name="old.png", status="failed")
    Prediction.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    PredictionFactory(owner=owner, original_name="review.png", status="done", needs_review=True)
    PredictionFactory(owner=owner, original_name="sure.png", status="done", needs_review=False)
    assert names(owner_client.get(URL, {"status": "failed"})) == ["old.png"]
    assert names(owner_client.get(URL, {"review": "yes", "status": "done"})) == ["review.png"]
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    assert "old.png" not in names(owner_client.get(URL, {"date_from": since}))


def test_it_polls_and_shows_progress_while_a_batch_is_read(owner_client, owner):
    batch = BatchFactory(owner=owner)
    PredictionFactory(owner=owner, batch=batch, status="done")
    PredictionFactory(owner=owner, batch=batch, status="pending")
    html = owner_client.get(URL).content.decode()
    assert f'data-live-status="{reverse("predictor:live_history")}"' in html
    assert 'data-live-active="true"' in html
    assert "1 of 2 read" in html and 'aria-valuenow="50"' in html
    assert '<div id="history-list" data-live-part' in html


def test_it_stops_polling_when_everything_is_read(owner_client, owner):
    PredictionFactory(owner=owner, status="done")
    html = owner_client.get(URL).content.decode()
    assert 'data-live-active="false"' in html and 'data-live-active="true"' not in html


def test_it_keeps_the_query_count_constant_as_rows_grow(owner_client, owner):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(URL, {"q": "4"}).status_code == 200
        return len(queries)

    batch = BatchFactory(owner=owner)
    PredictionFactory.create_batch(5, owner=owner, batch=batch, number="42")
    few = count_queries()
    PredictionFactory.create_batch(45, owner=owner, batch=batch, number="42", status="pending")
    assert count_queries() == few


def test_it_requires_login(client):
    assert client.get(URL).status_code == 302
