"""Downloads are named after the assignment; only those who may change it start an audio export."""

from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from grading.models import AudioExport
from tests.grading.factories import AssignmentFactory, CollaboratorFactory, graded

pytestmark = pytest.mark.django_db


def _names(disposition: str) -> tuple[str, str]:
    parts = dict(p.strip().split("=", 1) for p in disposition.split(";")[1:])
    return parts["filename"].strip('"'), unquote(parts["filename*"].removeprefix("UTF-8''"))


def test_it_names_the_grades_csv_after_the_assignment(owner, owner_client):
    assignment = AssignmentFactory(owner=owner, title="Week 3: Sums")
    response = owner_client.get(reverse("grading:grades_csv", args=[assignment.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert _names(response["Content-Disposition"]) == ("week-3-sums-grades.csv", "week-3-sums-grades.csv")


def test_it_keeps_accents_in_filename_star_and_an_ascii_slug_in_filename(owner, owner_client):
    assignment = AssignmentFactory(owner=owner, title='Équations – 5e / "B"')
    response = owner_client.get(reverse("grading:grades_csv", args=[assignment.pk]))
    plain, full = _names(response["Content-Disposition"])
    assert plain == "equations-5e-b-grades.csv"
    assert full == "équations-5e-b-grades.csv"
    assert "\n" not in response["Content-Disposition"]


def test_it_falls_back_to_the_id_when_the_title_has_no_letters(owner, owner_client):
    assignment = AssignmentFactory(owner=owner, title="???")
    response = owner_client.get(reverse("grading:grades_csv", args=[assignment.pk]))
    assert _names(response["Content-Disposition"])[0] == f"assignment-{assignment.pk}-grades.csv"


def test_it_names_the_api_csv_the_same_way(owner):
    from tests.factories import token_client

    assignment = AssignmentFactory(owner=owner, title="Fractions")
    response = token_client(owner).get(f"/api/assignments/{assignment.pk}/grades.csv")
    assert _names(response["Content-Disposition"])[0] == "fractions-grades.csv"


def test_it_names_the_readouts_zip_after_the_assignment(owner, owner_client):
    assignment = AssignmentFactory(owner=owner, title="Times tables")
    export = AudioExport.objects.create(assignment=assignment, status=AudioExport.Status.DONE)
    export.file.save("x.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    response = owner_client.get(reverse("grading:audio_export_download", args=[assignment.pk, export.pk]))
    assert response.status_code == 200
    assert _names(response["Content-Disposition"])[0] == "times-tables-readouts.zip"


def test_it_refuses_a_viewer_an_audio_export(owner, collaborator, collaborator_client):
    assignment = AssignmentFactory(owner=owner)
    graded(assignment, ["12", "7", "345"])
    CollaboratorFactory(assignment=assignment, user=collaborator, role="viewer")
    response = collaborator_client.post(reverse("grading:audio_export_create", args=[assignment.pk]))
    assert response.status_code == 403
    assert not AudioExport.objects.exists()
    page = collaborator_client.get(reverse("grading:assignment_detail", args=[assignment.pk]))
    assert b"Audio readouts (ZIP)" not in page.content


def test_it_lets_a_grader_start_an_audio_export(owner, collaborator, collaborator_client):
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="grader")
    response = collaborator_client.post(reverse("grading:audio_export_create", args=[assignment.pk]))
    assert response.status_code == 302 and AudioExport.objects.count() == 1
