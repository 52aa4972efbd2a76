"""Redis down while a teacher uploads: the upload is stored and pending; the sweeper finishes it later."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from predictor.models import Prediction
from predictor.tasks import sweep
from tests.factories import token_client
from tests.live_worker import wait_for
from tests.predictor import images

pytestmark = [pytest.mark.slow, pytest.mark.worker, pytest.mark.timeout(240)]


def api_for(user) -> APIClient:
    return token_client(user, raise_request_exception=False)


def test_it_keeps_uploads_while_redis_is_down_and_finishes_them_after(start_worker, private_redis, owner):
    worker = start_worker()
    web = Client(raise_request_exception=False)
    web.force_login(owner)
    api = api_for(owner)
    private_redis.stop()

    started = time.monotonic()
    page = web.post("/predictions/new/", {"images": SimpleUploadedFile("a.png", images.number_png())})
    assert page.status_code == 302, page.content[:500]
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("b.png", images.number_png())})
    assert response.status_code == 202, response.content[:500]
    assert time.monotonic() - started < 6  # a broker outage must not hang the teacher's request
    assert response.json()["status"] == "pending"
    detail = web.get(page["Location"])
    assert detail.status_code == 200 and "waiting" in detail.content.decode()
    assert Prediction.objects.filter(status="pending").count() == 2

    private_redis.start()
    later = timezone.now() + datetime.timedelta(hours=1)
    assert sweep(now=later)["requeued"] == 2
    for prediction in Prediction.objects.all():
        done = wait_for(lambda pk=prediction.pk: Prediction.objects.filter(pk=pk, status="done").first(), 120)
        assert done.attempts == 1, worker.log()
