"""The class list: CRUD and CSV import per teacher, and matching pages by the ID read on them."""

import io

import pytest

from grading import roster
from grading.models import RosterStudent
from tests.worksheets.factories import RosterStudentFactory, WorksheetFactory, area_graded
from tests.worksheets.test_regions_api import api


def csv_file(text: str) -> io.BytesIO:
    handle = io.BytesIO(text.encode())
    handle.name = "class.csv"
    return handle


def test_it_imports_a_class_list_and_updates_known_ids(owner):
    RosterStudentFactory(owner=owner, name="Old Name", student_id="100001")
    body = "Name,Student ID,Class\nAna Lopez,100001,5B\nBo Chen, 100 002 ,5B\n\n"
    response = api(owner).post("/api/roster/import/", {"file": csv_file(body)}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 1}
    rows = list(RosterStudent.objects.filter(owner=owner).values_list("name", "student_id", "class_name"))
    assert rows == [("Ana Lopez", "100001", "5B"), ("Bo Chen", "100002", "5B")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("first,last\nAna,Lopez\n", "first line must name the columns"),
        ("name,student_id\nAna,100001\nBo,100001\n", "100001 appears more than once"),
        ("name,student_id\nAna,\n", "line 2"),
        ("", "empty"),
    ],
)
def test_it_refuses_a_bad_class_list_and_imports_nothing(owner, body, message):
    response = api(owner).post("/api/roster/import/", {"file": csv_file(body)}, format="multipart")
    assert response.status_code == 400
    assert message in response.json()["file"][0].lower()
    assert not RosterStudent.objects.exists()


def test_it_refuses_a_file_that_is_not_text(owner):
    handle = io.BytesIO(b"\xff\xfe\x00\x81binary")
    handle.name = "class.csv"
    response = api(owner).post("/api/roster/import/", {"file": handle}, format="multipart")
    assert response.status_code == 400 and "UTF-8" in response.json()["file"][0]


def test_it_keeps_each_teachers_list_to_themselves(owner, stranger):
    student = RosterStudentFactory(owner=owner)
    assert api(stranger).get("/api/roster/").json() == []
    assert api(stranger).get(f"/api/roster/{student.pk}/").status_code == 404
    assert api(stranger).delete(f"/api/roster/{student.pk}/").status_code == 404
    assert api(owner).get(f"/api/roster/{student.pk}/").json()["student_id"] == student.student_id


def test_it_adds_renames_and_removes_a_student(owner):
    client = api(owner)
    created = client.post("/api/roster/", {"name": "Ana", "student_id": "42"}, format="json")
    assert created.status_code == 201
    duplicate = client.post("/api/roster/", {"name": "Other", "student_id": "42"}, format="json")
    assert duplicate.status_code == 400 and "already" in duplicate.json()["student_id"][0]
    pk = created.json()["id"]
    assert client.patch(f"/api/roster/{pk}/", {"name": "Ana L."}, format="json").json()["name"] == "Ana L."
    assert client.delete(f"/api/roster/{pk}/").status_code == 204
    assert not RosterStudent.objects.exists()


# --- Matching pages to students ------------------------------------------------------------


def sheet_reading(number, confidence=0.99, needs_review=False):
    return {"student_id": {"number": number, "confidence": confidence, "needs_review": needs_review}}


def test_it_matches_a_page_to_the_student_whose_id_was_read(owner):
    ana = RosterStudentFactory(owner=owner, name="Ana Lopez", student_id="123456")
    worksheet = WorksheetFactory(assignment__owner=owner)
    submission = area_graded(worksheet, ["12", "7", "345"], student="Page 1")
    page = dict(submission.page_reading, **sheet_reading("123456"))
    roster.identify(submission, page)
    assert submission.roster_student == ana and submission.student == "Ana Lopez"
    assert page["identity_reasons"] == []


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        (sheet_reading("123456", confidence=0.5), "not surely"),
        (sheet_reading("123456", needs_review=True), "not surely"),
        (sheet_reading("999999"), "not on your class list"),
        (sheet_reading(""), "No student ID could be read"),
    ],
)
def test_it_never_guesses_a_doubtful_or_unknown_id(owner, reading, reason):
    RosterStudentFactory(owner=owner, student_id="123456")
    worksheet = WorksheetFactory(assignment__owner=owner)
    submission = area_graded(worksheet, ["12", "7", "345"], student="Page 1")
    page = dict(submission.page_reading, **reading)
    roster.identify(submission, page)
    assert submission.roster_student is None and submission.student == "Page 1"
    assert reason in page["identity_reasons"][0]


def test_it_flags_two_pages_for_one_student(owner):
    ana = RosterStudentFactory(owner=owner, name="Ana", student_id="1")
    worksheet = WorksheetFactory(assignment__owner=owner)
    first = area_graded(worksheet, ["12", "7", "345"])
    second = area_graded(worksheet, ["12", "7", "345"])
    for page in (first, second):
        page.roster_student = ana
        page.save()
    roster.flag_duplicates(worksheet.assignment)
    for page in (first, second):
        page.refresh_from_db()
        assert page.needs_review
        assert any("Two or more pages for Ana" in r for r in page.review_reasons)
    second.roster_student = None
    second.save()
    roster.flag_duplicates(worksheet.assignment)
    first.refresh_from_db()
    assert not any("Two or more" in r for r in first.review_reasons)


def test_it_lets_the_teacher_pick_the_student(owner):
    ana = RosterStudentFactory(owner=owner, name="Ana")
    other = RosterStudentFactory()
    worksheet = WorksheetFactory(assignment__owner=owner)
    submission = area_graded(
        worksheet, ["12", "7", "345"], identity_reasons=["Student ID 9 is not on your class list."]
    )
    assert submission.needs_review
    url = f"/api/submissions/{submission.pk}/"
    refused = api(owner).patch(url, {"roster_student": other.pk}, format="json")
    assert refused.status_code == 400 and "class list" in refused.json()["roster_student"][0]
    picked = api(owner).patch(url, {"roster_student": ana.pk}, format="json")
    assert picked.status_code == 200
    assert picked.json()["student"] == "Ana" and picked.json()["student_id"] == ana.student_id
    assert not picked.json()["needs_review"]


def test_it_finds_the_student_a_teacher_typed_and_never_guesses(owner):
    ana = RosterStudentFactory(owner=owner, name="Ana Lopez", student_id="123456")
    RosterStudentFactory(owner=owner, name="Bo", student_id="2")
    RosterStudentFactory(owner=owner, name="Bo", student_id="3")
    RosterStudentFactory(name="Ana Lopez", student_id="999")  # someone else's class
    assert roster.find(owner.pk, "Ana Lopez (123456)") == ana
    assert roster.find(owner.pk, " 123 456 ") == ana
    assert roster.find(owner.pk, "ana lopez") == ana
    assert "Several students are called Bo" in roster.find(owner.pk, "Bo")
    assert "Nobody called “Ana Lopez (999)”" in roster.find(owner.pk, "Ana Lopez (999)")
    assert roster.find(owner.pk, "") == "Type the student's name or ID."


def test_it_sets_the_student_from_the_page_and_says_when_nobody_matches(owner, owner_client):
    ana = RosterStudentFactory(owner=owner, name="Ana Lopez", student_id="123456")
    worksheet = WorksheetFactory(assignment__owner=owner)
    page = area_graded(worksheet, ["12", "7", "345"], student="Page 1")
    missing = owner_client.post(f"/submissions/{page.pk}/pick-student/", {"student": "Zed"}, follow=True)
    assert "Nobody called “Zed”" in missing.content.decode()
    page.refresh_from_db()
    assert page.roster_student is None
    owner_client.post(f"/submissions/{page.pk}/pick-student/", {"student": "Ana Lopez (123456)"})
    page.refresh_from_db()
    assert page.roster_student == ana and page.student == "Ana Lopez"
