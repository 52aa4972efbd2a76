"""/assignments/<id>/live/ and the queues: the grading page follows a class set as it is graded."""

import base64
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grading.models import Submission
from predictor.models import Prediction
from tests.grading.factories import AssignmentFactory, CollaboratorFactory, SubmissionFactory, graded

pytestmark = pytest.mark.django_db


def live(client, assignment):
    return client.get(reverse("grading:live_assignment", args=[assignment.pk]))


def test_it_works(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    graded(assignment, ["12", "7", "345"])
    SubmissionFactory(assignment=assignment, prediction__status="pending")
    body = live(owner_client, assignment).json()
    assert (body["total"], body["in_flight"], body["graded"]) == (2, True, 1)


def test_its_key_changes_when_a_page_is_graded_and_matches_the_page(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    waiting = SubmissionFactory(assignment=assignment, prediction__status="pending")
    before = live(owner_client, assignment).json()
    html = owner_client.get(reverse("grading:assignment_detail", args=[assignment.pk])).content.decode()
    assert f'data-live-key="{before["key"]}"' in html and 'data-live-active="true"' in html
    Prediction.objects.filter(pk=waiting.prediction_id).update(status="done")
    from grading.services import grade_submission

    grade_submission(waiting.pk)
    after = live(owner_client, assignment).json()
    assert after["key"] != before["key"] and after["in_flight"] is False and after["graded"] == 1


def test_it_uses_a_constant_number_of_queries(owner_client, owner, django_assert_num_queries):
    assignment = AssignmentFactory(owner=owner)
    for _ in range(4):
        graded(assignment, ["12", "7", "345"])
    live(owner_client, assignment)
    # The session, the user, the assignment, the aggregate.
    with django_assert_num_queries(4):
        assert live(owner_client, assignment).status_code == 200


def test_it_lets_a_viewer_follow(collaborator_client, collaborator, owner):
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator)
    assert live(collaborator_client, assignment).status_code == 200


def test_it_checks_owner(stranger_client, owner):
    assert live(stranger_client, AssignmentFactory(owner=owner)).status_code == 404


def test_it_404s_a_missing_assignment(owner_client):
    assert owner_client.get(reverse("grading:live_assignment", args=[999999])).status_code == 404


def test_it_rejects_post(owner_client, owner):
    url = reverse("grading:live_assignment", args=[AssignmentFactory(owner=owner).pk])
    assert owner_client.post(url).status_code == 405


def _png(name) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("L", (200, 120), 255).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _queued(channel, queue: str) -> list[str]:
    """Prediction ids waiting in a Redis queue, oldest first (kombu LPUSHes, workers BRPOP)."""
    messages = [json.loads(raw) for raw in reversed(channel.client.lrange(queue, 0, -1))]
    return [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]


def test_class_pages_queue_apart_from_photos_in_upload_order(
    owner_client, owner, celery_on_redis, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(owner=owner)
    names = [f"student_{i:02d}.png" for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/assignments/{assignment.pk}/upload/", {"pages": [_png(n) for n in names]})
        owner_client.post(reverse("predictor:upload"), {"images": [_png("own_photo.png")]})
    pages = [
        str(s.prediction_id) for s in Submission.objects.filter(assignment=assignment).order_by("created_at")
    ]
    photo = Prediction.objects.get(original_name="own_photo.png")
    with celery_on_redis.connection_for_write() as conn:
        assert _queued(conn.default_channel, "pages") == pages
        assert _queued(conn.default_channel, "photos") == [str(photo.pk)]
        for queue in ("pages", "photos"):
            conn.default_channel.queue_purge(queue)
