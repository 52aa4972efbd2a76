"""One Celery queue per kind of work, so a 200-page class upload cannot hold up a teacher's photo."""

import pytest
import redis

from digitsight import queues
from digitsight.celery import app
from tests.factories import token_client
from tests.grading.factories import AssignmentFactory
from tests.predictor import images
from tests.predictor.conftest import upload_file


def queue_of(task_name: str, **options) -> str:
    return app.amqp.router.route(options, task_name)["queue"].name


@pytest.mark.parametrize(
    "task, queue",
    [
        ("predictor.tasks.read_prediction", "photos"),
        ("predictor.tasks.make_prediction_audio", "audio"),
        ("grading.tasks.grade_submission", "pages"),
        ("grading.tasks.build_audio_export", "exports"),
        ("predictor.tasks.sweep_predictions", "pages"),
    ],
)
def test_it_routes_each_kind_of_work_to_its_queue(task, queue):
    assert queue_of(task) == queue


def test_it_lets_an_explicit_queue_win_over_the_route():
    assert queue_of("predictor.tasks.read_prediction", queue="pages") == "pages"


def test_it_makes_workers_consume_all_four_queues_by_default():
    # A worker started without -Q consumes every queue in task_queues.
    assert sorted(app.amqp.queues) == sorted(queues.ALL) == ["audio", "exports", "pages", "photos"]


@pytest.fixture
def broker(celery_on_redis, settings):
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.mark.django_db
def test_it_queues_a_teachers_photo_on_photos_and_class_pages_on_pages(
    broker, owner, owner_client, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(owner=owner, answer_key=["427"])
    with django_capture_on_commit_callbacks(execute=True):
        photo = token_client(owner).post(
            "/api/predictions/",
            {"image": upload_file("me.png", images.number_png("427"))},
            format="multipart",
        )
        pages = owner_client.post(
            f"/assignments/{assignment.pk}/upload/",
            {"pages": [upload_file(f"s{i}.png", images.number_png("427")) for i in range(3)]},
        )
    assert photo.status_code == 202 and pages.status_code == 302
    assert (broker.llen("photos"), broker.llen("pages")) == (1, 3)
