"""Uploading a class's pages from the web form."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grading.models import Submission
from tests.grading.factories import AssignmentFactory


def _image(name) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("L", (200, 120), 255).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _pdf(name, pages) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    images = [Image.new("RGB", (300, 200), "white") for _ in range(pages)]
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:])
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def test_it_makes_one_submission_per_pdf_page(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    response = owner_client.post(
        f"/assignments/{assignment.pk}/upload/", {"pages": [_pdf("class_5b.pdf", 2)]}
    )
    assert response.status_code == 302
    submissions = Submission.objects.order_by("student")
    assert [s.student for s in submissions] == ["Class 5b p.1", "Class 5b p.2"]
    assert [s.prediction.page for s in submissions] == [1, 2]
    assert {s.prediction.owner for s in submissions} == {owner}


def test_it_names_students_after_their_files(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    files = [_image("ana_lopez.jpg"), _image("ben-okafor.png")]
    owner_client.post(f"/assignments/{assignment.pk}/upload/", {"pages": files})
    assert sorted(Submission.objects.values_list("student", flat=True)) == ["Ana Lopez", "Ben Okafor"]


def test_it_keeps_good_pages_and_reports_a_bad_file(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    bad = SimpleUploadedFile("broken.png", b"garbage", content_type="image/png")
    response = owner_client.post(
        f"/assignments/{assignment.pk}/upload/", {"pages": [bad, _image("ana.png")]}, follow=True
    )
    assert list(Submission.objects.values_list("student", flat=True)) == ["Ana"]
    assert "broken.png" in response.content.decode()


def test_it_stores_nothing_when_every_file_is_bad(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    empty = SimpleUploadedFile("empty.png", b"", content_type="image/png")
    response = owner_client.post(f"/assignments/{assignment.pk}/upload/", {"pages": [empty]})
    assert response.status_code == 400
    assert not Submission.objects.exists()
