"""The grading REST API contract."""

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from grading.models import Assignment, Collaborator, Submission
from tests.factories import PASSWORD
from tests.grading.factories import AssignmentFactory, CollaboratorFactory, graded


@pytest.fixture
def api(owner):
    client = APIClient()
    client.login(username=owner.username, password=PASSWORD)
    return client


def _png(name="ana_lopez.png") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("L", (200, 120), 255).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_it_creates_an_assignment_from_a_key(api, owner):
    response = api.post(
        "/api/assignments/", {"title": "Sums", "answer_key": ["12", " 7", "345"]}, format="json"
    )
    assert response.status_code == 201
    assignment = Assignment.objects.get(pk=response.json()["id"])
    assert (assignment.owner, assignment.answer_key, assignment.max_score) == (owner, ["12", "7", "345"], 3)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "answer_key": []}, "answer_key"),
        ({"title": "x", "answer_key": ["12", "twelve"]}, "answer_key"),
        ({"title": "x", "answer_key": ["1", "2"], "points": [1]}, "points"),
        ({"title": "x", "answer_key": ["1"], "tolerance": "-1"}, "tolerance"),
        ({"answer_key": ["1"]}, "title"),
    ],
)
def test_it_rejects_a_bad_assignment(api, body, field):
    response = api.post("/api/assignments/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_it_lists_own_and_shared_assignments_only(api, owner, collaborator):
    mine = AssignmentFactory(owner=owner)
    shared = AssignmentFactory(owner=collaborator)
    CollaboratorFactory(assignment=shared, user=owner, role="grader")
    AssignmentFactory(owner=collaborator)
    rows = api.get("/api/assignments/").json()["results"]
    assert {(r["id"], r["role"]) for r in rows} == {(mine.pk, "owner"), (shared.pk, "grader")}


def test_it_regrades_when_the_key_changes_and_keeps_overrides(api, owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["1", "2"])
    submission = graded(assignment, ["1", "3"])
    api.patch(
        f"/api/submissions/{submission.pk}/", {"answers": [{"question": 1, "correct": False}]}, format="json"
    )
    response = api.patch(f"/api/assignments/{assignment.pk}/", {"answer_key": ["1", "3"]}, format="json")
    assert response.status_code == 200
    submission.refresh_from_db()
    assert [a["correct"] for a in submission.answers] == [False, True]


def test_it_shows_a_submission_in_the_contract_shape(api, owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["12", "7"])
    submission = graded(assignment, ["12", ("1", 0.3)], student="Ana")
    body = api.get(f"/api/submissions/{submission.pk}/").json()
    assert {"id", "status", "student", "score", "answers", "needs_review"} <= set(body)
    assert (body["status"], body["student"], body["score"], body["needs_review"]) == (
        "graded",
        "Ana",
        1,
        True,
    )
    assert body["answers"][1] == {
        "question": 2, "expected": "7", "predicted": "1", "original_predicted": "1", "confidence": 0.3,
        "correct": False, "overridden": False, "flags": ["low_confidence"],
        # Issue 12: an answer names its area, where it is on the page and its crop (worksheets only).
        "name": "2", "box": [40, 80, 30, 40], "crop_url": None, "points": 1.0, "earned": 0.0,
    }  # fmt: skip


def test_it_overrides_answers_and_rescores(api, owner):
    submission = graded(AssignmentFactory(owner=owner, answer_key=["12", "7", "5"]), ["12", "1", "5"])
    response = api.patch(
        f"/api/submissions/{submission.pk}/",
        {"answers": [{"question": 2, "predicted": "7"}, {"question": 3, "correct": False}]},
        format="json",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["score"] == 2
    assert (body["answers"][1]["predicted"], body["answers"][1]["original_predicted"]) == ("7", "1")
    assert body["answers"][1]["correct"] and body["answers"][1]["overridden"]


@pytest.mark.parametrize(
    "item", [{"question": 9, "correct": True}, {"question": 1, "predicted": "x1"}, {"question": 1}]
)
def test_it_rejects_a_bad_override(api, owner, item):
    submission = graded(AssignmentFactory(owner=owner), ["12", "7", "345"])
    response = api.patch(f"/api/submissions/{submission.pk}/", {"answers": [item]}, format="json")
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.overrides == {} and submission.score == 3


def test_it_shares_by_username_or_email_and_unshares(api, owner, collaborator, stranger):
    assignment = AssignmentFactory(owner=owner)
    url = f"/api/assignments/{assignment.pk}/collaborators/"
    assert api.post(url, {"username": "collaborator", "role": "grader"}, format="json").status_code == 201
    assert (
        api.post(url, {"email": stranger.email.upper(), "role": "viewer"}, format="json").status_code == 201
    )
    assert api.post(url, {"username": "collaborator", "role": "viewer"}, format="json").status_code == 400
    assert api.post(url, {"username": "nobody", "role": "viewer"}, format="json").status_code == 400
    assert api.post(url, {"username": "owner", "role": "viewer"}, format="json").status_code == 400
    assert {(r["user"], r["role"]) for r in api.get(url).json()} == {
        ("collaborator", "grader"),
        ("stranger", "viewer"),
    }
    assert api.delete(f"{url}{collaborator.pk}/").status_code == 204
    assert not Collaborator.objects.filter(user=collaborator).exists()


def test_it_exports_grades_as_csv(api, owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["1"])
    graded(assignment, ["1"], student="Ana")
    response = api.get(f"/api/assignments/{assignment.pk}/grades.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[1] == "Ana,graded,1,1,no,1,1,yes"


def test_it_accepts_a_page_for_a_student(api, owner):
    assignment = AssignmentFactory(owner=owner)
    response = api.post(
        f"/api/assignments/{assignment.pk}/submissions/",
        {"student": "Ana", "image": _png()},
        format="multipart",
    )
    assert response.status_code == 202
    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.student, submission.prediction.owner, submission.uploaded_by) == ("Ana", owner, owner)


def test_it_lets_a_grader_upload_into_the_owners_storage(owner, collaborator):
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="grader")
    client = APIClient()
    client.login(username=collaborator.username, password=PASSWORD)
    response = client.post(
        f"/api/assignments/{assignment.pk}/submissions/", {"image": _png()}, format="multipart"
    )
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.student == "Ana Lopez"
    assert (submission.prediction.owner, submission.uploaded_by) == (owner, collaborator)


def test_it_rejects_a_file_that_is_not_an_image(api, owner):
    assignment = AssignmentFactory(owner=owner)
    junk = io.BytesIO(b"not an image at all")
    junk.name = "a.png"
    response = api.post(f"/api/assignments/{assignment.pk}/submissions/", {"image": junk}, format="multipart")
    assert response.status_code == 400 and response.json()["image"]
    assert not Submission.objects.exists()


def test_it_returns_one_submission_per_pdf_page(api, owner):
    buffer = io.BytesIO()
    pages = [Image.new("RGB", (300, 200), "white") for _ in range(2)]
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])
    buffer.seek(0)
    buffer.name = "class.pdf"
    assignment = AssignmentFactory(owner=owner)
    response = api.post(
        f"/api/assignments/{assignment.pk}/submissions/", {"image": buffer}, format="multipart"
    )
    assert response.status_code == 202
    students = [s["student"] for s in response.json()["submissions"]]
    assert students == ["Class p.1", "Class p.2"]
