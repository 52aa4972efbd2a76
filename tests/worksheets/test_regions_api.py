"""PUT/GET /api/assignments/<id>/regions/ and PUT …/template/: areas in template pixels, and the key."""

import io

import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from tests.grading.factories import AssignmentFactory, png_bytes
from tests.worksheets.factories import REGIONS, WorksheetFactory, area_graded
from worksheets.models import Worksheet


def api(user) -> APIClient:
    client = APIClient()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def regions_url(assignment) -> str:
    return f"/api/assignments/{assignment.pk}/regions/"


def test_it_saves_areas_and_sets_the_key_from_their_answers(owner):
    worksheet = WorksheetFactory(assignment__owner=owner, regions=[])
    areas = [
        {"name": "1", "box": [10, 10, 60, 30], "answer": "19", "points": 2},
        {"name": "2", "box": [10, 60, 60, 30], "answer": "3.5"},
    ]
    response = api(owner).put(regions_url(worksheet.assignment), {"regions": areas}, format="json")
    assert response.status_code == 200, response.json()
    assert [r["box"] for r in response.json()["regions"]] == [[10, 10, 60, 30], [10, 60, 60, 30]]
    worksheet.assignment.refresh_from_db()
    assert worksheet.assignment.answer_key == ["19", "3.5"]
    assert worksheet.assignment.points == [2.0, 1.0]
    again = api(owner).get(regions_url(worksheet.assignment)).json()
    assert again["regions"][0] == {"name": "1", "box": [10, 10, 60, 30], "answer": "19", "points": 2.0}
    assert again["width"] == 400 and again["template_url"].endswith(
        f"/assignments/{worksheet.pk}/worksheet/image/"
    )


def test_it_regrades_pages_when_only_the_answers_change(owner):
    worksheet = WorksheetFactory(assignment__owner=owner, assignment__answer_key=["12", "7", "345"])
    submission = area_graded(worksheet, ["12", "8", "345"])
    assert submission.score == 2.0
    areas = [dict(r) for r in REGIONS]
    areas[1]["answer"] = "8"
    assert (
        api(owner).put(regions_url(worksheet.assignment), {"regions": areas}, format="json").status_code
        == 200
    )
    submission.refresh_from_db()
    assert submission.score == 4.0 and submission.status == "graded"


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ([{"name": "1", "box": [350, 10, 80, 30], "answer": "1"}], "outside the page"),
        ([{"name": "1", "box": [10, 10, 0, 30], "answer": "1"}], "positive width"),
        (
            [
                {"name": "1", "box": [0, 0, 9, 9], "answer": "1"},
                {"name": "1", "box": [20, 20, 9, 9], "answer": "2"},
            ],
            "unique",
        ),
        ([{"name": "1", "box": [0, 0, 9, 9], "answer": "twelve"}], "not a number"),
        ([{"name": "student_id", "box": [0, 0, 9, 9]}], "at least one graded"),
        ([], "at least one"),
    ],
)
def test_it_refuses_bad_areas_and_keeps_the_saved_ones(owner, areas, message):
    worksheet = WorksheetFactory(assignment__owner=owner)
    response = api(owner).put(regions_url(worksheet.assignment), {"regions": areas}, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()["regions"]).lower() or message in str(response.json()).lower()
    worksheet.refresh_from_db()
    worksheet.assignment.refresh_from_db()
    assert worksheet.regions == REGIONS
    assert worksheet.assignment.answer_key == ["12", "7", "345"]


def test_it_asks_for_the_template_before_areas(owner):
    worksheet = WorksheetFactory(assignment__owner=owner, template="")
    response = api(owner).put(regions_url(worksheet.assignment), {"regions": REGIONS}, format="json")
    assert response.status_code == 400
    assert "Upload the blank worksheet first" in response.json()["regions"][0]


def test_it_404s_strangers_and_403s_viewers(owner, stranger, collaborator):
    from tests.grading.factories import CollaboratorFactory

    worksheet = WorksheetFactory(assignment__owner=owner)
    CollaboratorFactory(assignment=worksheet.assignment, user=collaborator)
    assert api(stranger).get(regions_url(worksheet.assignment)).status_code == 404
    assert api(collaborator).get(regions_url(worksheet.assignment)).status_code == 200
    put = api(collaborator).put(regions_url(worksheet.assignment), {"regions": REGIONS}, format="json")
    assert put.status_code == 403


def test_it_404s_an_assignment_without_a_worksheet(owner):
    assignment = AssignmentFactory(owner=owner)
    assert api(owner).get(regions_url(assignment)).status_code == 404


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"this is not an image", "not an image"), (b"", "empty"), (b"%PDF-1.4 broken", "pdf")],
)
def test_it_refuses_a_template_that_is_not_an_image_and_keeps_the_old_one(owner, data, message):
    worksheet = WorksheetFactory(assignment__owner=owner)
    old = worksheet.template.name
    response = api(owner).put(
        f"/api/assignments/{worksheet.pk}/template/", {"file": _file(data, "blank.png")}, format="multipart"
    )
    assert response.status_code == 400
    assert message in response.json()["file"][0].lower()
    worksheet.refresh_from_db()
    assert worksheet.template.name == old and worksheet.regions == REGIONS


def test_it_lets_only_the_owner_upload_a_template(owner, collaborator, stranger):
    from tests.grading.factories import CollaboratorFactory

    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="grader")
    url = f"/api/assignments/{assignment.pk}/template/"
    assert (
        api(stranger).put(url, {"file": _file(png_bytes(), "a.png")}, format="multipart").status_code == 404
    )
    assert (
        api(collaborator).put(url, {"file": _file(png_bytes(), "a.png")}, format="multipart").status_code
        == 403
    )
    assert not Worksheet.objects.exists()


def test_it_stores_the_template_and_proposes_areas(owner):
    pytest.importorskip("ml.regions")
    import numpy as np

    from ml import worksheets_synth

    blank = worksheets_synth.make_template(np.random.default_rng(3), "beside", questions=4)
    assignment = AssignmentFactory(owner=owner)
    png = worksheets_synth.encode(blank.image)
    response = api(owner).put(
        f"/api/assignments/{assignment.pk}/template/", {"file": _file(png, "blank.png")}, format="multipart"
    )
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert len(body["regions"]) == 4
    assert all(set(r) == {"name", "box", "answer", "points"} for r in body["regions"])
    image = api(owner).get(body["template_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    worksheet = Worksheet.objects.get(pk=assignment.pk)
    assert (worksheet.width, worksheet.height) == (blank.image.shape[1], blank.image.shape[0])


def test_it_prints_answer_sheets_whose_id_ties_back_to_the_assignment(owner):
    from worksheets.reading import sheet_tag

    assignment = AssignmentFactory(owner=owner, answer_key=["1", "2", "3"])
    first = api(owner).get(f"/api/assignments/{assignment.pk}/sheet.pdf")
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    worksheet = Worksheet.objects.get(pk=assignment.pk)
    assert worksheet.mode == "sheet" and worksheet.sheet_id.startswith(f"DS{assignment.pk}_")
    assert sheet_tag(worksheet.sheet_layout["id"]) == worksheet.sheet_id
    assert [r["name"] for r in worksheet.sheet_layout["regions"]] == ["student_id", "1", "2", "3"]
    assignment.answer_key = ["1", "2", "3", "4"]
    assignment.save()
    assert api(owner).get(f"/api/assignments/{assignment.pk}/sheet.pdf").status_code == 200
    again = Worksheet.objects.get(pk=assignment.pk)
    assert again.sheet_id == worksheet.sheet_id and "-q4-" in again.sheet_layout["id"]


def test_it_keeps_reading_the_template_when_sheets_are_printed_too(owner):
    worksheet = WorksheetFactory(assignment__owner=owner)
    assert api(owner).get(f"/api/assignments/{worksheet.pk}/sheet.pdf").status_code == 200
    worksheet.refresh_from_db()
    assert worksheet.mode == "template" and worksheet.reads_template


def test_it_shows_the_key_as_edited_on_the_assignment_form(owner, owner_client):
    worksheet = WorksheetFactory(assignment__owner=owner)
    owner_client.post(
        f"/assignments/{worksheet.pk}/edit/",
        {
            "title": "Quiz",
            "class_name": "5B",
            "answer_key_text": "12\n8\n345",
            "points_text": "",
            "tolerance": "",
        },
    )
    worksheet.assignment.refresh_from_db()
    assert worksheet.assignment.answer_key == ["12", "8", "345"]
    regions = api(owner).get(regions_url(worksheet.assignment)).json()["regions"]
    assert [r["answer"] for r in regions] == ["12", "8", "345"]
    assert [r["points"] for r in regions] == [1.0, 1.0, 1.0]
