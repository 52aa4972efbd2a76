"""The worksheet pages and files: submission API fields, crops, grade by question, needs attention,
the editor page and the class list page."""

import io

from django.core.files.storage import default_storage

from grading.models import RosterStudent, Submission
from tests.grading.factories import AssignmentFactory, SubmissionFactory
from tests.worksheets.factories import WorksheetFactory, area_graded
from tests.worksheets.test_regions_api import api


def test_it_gives_each_answer_its_name_box_and_crop_url(owner):
    worksheet = WorksheetFactory(assignment__owner=owner)
    submission = area_graded(worksheet, ["12", "7", "345"])
    body = api(owner).get(f"/api/submissions/{submission.pk}/").json()
    assert body["status"] == "graded" and body["reason"] == ""
    first = body["answers"][0]
    assert first["name"] == "1" and first["box"] == [300, 40, 80, 40]
    assert first["crop_url"].endswith(f"/submissions/{submission.pk}/crops/0/")
    crop = api(owner).get(first["crop_url"])
    assert crop.status_code == 200 and crop["Content-Type"] == "image/png"
    assert crop["X-Content-Type-Options"] == "nosniff"


def test_it_404s_a_strangers_crop_and_a_missing_one(owner, stranger):
    worksheet = WorksheetFactory(assignment__owner=owner)
    submission = area_graded(worksheet, ["12", "7", "345"])
    assert api(stranger).get(f"/submissions/{submission.pk}/crops/0/").status_code == 404
    assert api(owner).get(f"/submissions/{submission.pk}/crops/9/").status_code == 404
    default_storage.delete(submission.page_reading["answers"][1]["crop"])
    assert api(owner).get(f"/submissions/{submission.pk}/crops/1/").status_code == 404


def test_it_shows_line_answers_without_crops(owner):
    from tests.grading.factories import graded

    submission = graded(AssignmentFactory(owner=owner), ["12", "7", "345"])
    first = api(owner).get(f"/api/submissions/{submission.pk}/").json()["answers"][0]
    assert first["name"] == "1" and first["crop_url"] is None


def test_it_lists_pages_that_need_attention_with_their_reason(owner, owner_client):
    worksheet = WorksheetFactory(assignment__owner=owner)
    lost = SubmissionFactory(assignment=worksheet.assignment, student="Mystery page")
    lost.page_reading = {"aligned": False, "error": "The page does not match this worksheet."}
    lost.status = Submission.Status.NEEDS_ATTENTION
    lost.reason = lost.page_reading["error"]
    lost.save()
    page = owner_client.get(f"/assignments/{worksheet.pk}/attention/").content.decode()
    assert "Mystery page" in page and "The page does not match this worksheet." in page
    assert f"/submissions/{lost.pk}/image/" in page
    detail = owner_client.get(f"/submissions/{lost.pk}/").content.decode()
    assert "Needs attention, not graded" in detail
    assert api(owner).get(f"/api/submissions/{lost.pk}/").json()["status"] == "needs_attention"


def test_it_groups_every_students_crop_for_one_question(owner, owner_client):
    worksheet = WorksheetFactory(assignment__owner=owner)
    area_graded(worksheet, ["12", "7", "345"], student="Ana")
    area_graded(worksheet, ["12", "1", "345"], student="Bo")
    area_graded(worksheet, ["12", "1", "345"], student="Cy")
    page = owner_client.get(f"/assignments/{worksheet.pk}/questions/2/").content.decode()
    assert page.index("Bo, Cy") < page.index(">Ana<") or "Bo, Cy" in page
    assert page.count('class="crop-thumb') == 3
    assert owner_client.get(f"/assignments/{worksheet.pk}/questions/4/").status_code == 404


def test_it_shows_the_editor_with_the_saved_areas(owner, owner_client):
    worksheet = WorksheetFactory(assignment__owner=owner)
    page = owner_client.get(f"/assignments/{worksheet.pk}/worksheet/").content.decode()
    assert "regions-editor.js" in page and '"answer": "345"' in page


def test_it_stores_a_template_from_the_form_and_reports_a_bad_file(owner, owner_client):
    assignment = AssignmentFactory(owner=owner)
    bad = io.BytesIO(b"nope")
    bad.name = "x.png"
    response = owner_client.post(
        f"/assignments/{assignment.pk}/worksheet/template/", {"file": bad}, follow=True
    )
    assert "not an image we can read" in response.content.decode()
    from worksheets.models import Worksheet

    assert not Worksheet.objects.filter(pk=assignment.pk).exclude(template="").exists()


def test_it_imports_the_class_list_from_the_page_and_says_what_was_wrong(owner, owner_client):
    good = io.BytesIO(b"name,student_id\nAna,1\nBo,2\n")
    good.name = "c.csv"
    page = owner_client.post("/roster/import/", {"file": good}, follow=True).content.decode()
    assert "2 student(s) added" in page and RosterStudent.objects.count() == 2
    bad = io.BytesIO(b"name,student_id\nCy,3\nDi,3\n")
    bad.name = "c.csv"
    page = owner_client.post("/roster/import/", {"file": bad}, follow=True).content.decode()
    assert "Nothing was imported" in page and "3 appears more than once" in page
    assert RosterStudent.objects.count() == 2


def test_it_adds_a_student_by_hand_and_refuses_a_duplicate_id(owner, owner_client):
    assert owner_client.post("/roster/", {"name": "Ana", "student_id": "7"}).status_code == 302
    again = owner_client.post("/roster/", {"name": "Bo", "student_id": "7"})
    assert again.status_code == 400 and "already have a student" in again.content.decode()


def test_it_404s_removing_someone_elses_student(owner, stranger_client):
    from tests.worksheets.factories import RosterStudentFactory

    student = RosterStudentFactory(owner=owner)
    assert stranger_client.post(f"/roster/{student.pk}/delete/").status_code == 404
    assert RosterStudent.objects.filter(pk=student.pk).exists()


def test_it_marks_a_page_that_needs_attention_in_the_class_table(owner, owner_client):
    worksheet = WorksheetFactory(assignment__owner=owner)
    lost = SubmissionFactory(assignment=worksheet.assignment, student="Mystery page")
    Submission.objects.filter(pk=lost.pk).update(status="needs_attention", reason="Another worksheet.")
    page = owner_client.get(f"/assignments/{worksheet.pk}/").content.decode()
    assert 'title="Another worksheet."' in page and ">needs attention</span>" in page
    assert f"/assignments/{worksheet.pk}/attention/" in page


def test_it_deletes_the_crops_and_the_template_with_the_assignment(
    owner, owner_client, django_capture_on_commit_callbacks
):
    worksheet = WorksheetFactory(assignment__owner=owner)
    submission = area_graded(worksheet, ["12", "7", "345"])
    files = [a["crop"] for a in submission.page_reading["answers"]] + [worksheet.template.name]
    assert all(default_storage.exists(name) for name in files)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/assignments/{worksheet.pk}/delete/")
    assert response.status_code == 302
    assert not any(default_storage.exists(name) for name in files)
