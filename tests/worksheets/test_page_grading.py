"""A worksheet page is graded area by area from its stored reading; a page that does not match
waits in "needs attention" with its reason and is never graded 0."""

from grading.models import Submission
from grading.services import grade_submission
from tests.grading.factories import SubmissionFactory
from tests.worksheets.factories import WorksheetFactory, area_graded, page_reading


def test_it_grades_each_area_with_its_points(db):
    worksheet = WorksheetFactory(assignment__answer_key=["12", "7", "345"], assignment__points=[1, 2, 1])
    submission = area_graded(worksheet, ["12", "1", "345"])
    assert submission.status == Submission.Status.GRADED
    assert submission.score == 2.0 and submission.max_score == 4.0
    assert [a["name"] for a in submission.answers] == ["1", "2", "3"]
    assert [a["correct"] for a in submission.answers] == [True, False, True]
    assert submission.answers[1]["box"] == [300, 110, 80, 40]
    assert submission.answers[0]["crop"].endswith("/0.png")


def test_it_leaves_a_blank_area_unanswered_without_shifting_the_others(db):
    worksheet = WorksheetFactory()
    submission = area_graded(worksheet, ["12", "", "345"])
    assert [a["predicted"] for a in submission.answers] == ["12", "", "345"]
    assert "unanswered" in submission.answers[1]["flags"]
    assert submission.needs_review


def test_it_waits_for_the_area_reading_instead_of_grading_by_line(db):
    worksheet = WorksheetFactory()
    submission = SubmissionFactory(assignment=worksheet.assignment)
    graded = grade_submission(submission.pk)
    assert graded.status == Submission.Status.PROCESSING
    assert graded.answers == [] and graded.score is None


def test_it_puts_a_page_that_does_not_match_in_needs_attention(db):
    worksheet = WorksheetFactory()
    submission = SubmissionFactory(assignment=worksheet.assignment)
    submission.page_reading = {"aligned": False, "error": "This page does not look like the worksheet."}
    submission.save()
    graded = grade_submission(submission.pk)
    assert graded.status == Submission.Status.NEEDS_ATTENTION
    assert graded.reason == "This page does not look like the worksheet."
    assert graded.score is None and graded.needs_review


def test_it_still_grades_line_by_line_assignments_by_line(db):
    from tests.grading.factories import AssignmentFactory, graded

    submission = graded(AssignmentFactory(answer_key=["12", "7"]), ["12", "7"])
    assert submission.status == Submission.Status.GRADED and submission.score == 2.0
    assert "name" not in submission.answers[0]


def test_it_ignores_identity_areas_when_grading(db):
    regions = [{"name": "student_id", "box": [10, 10, 100, 30], "answer": "", "points": 0}] + [
        {"name": "1", "box": [300, 40, 80, 40], "answer": "12", "points": 1}
    ]
    worksheet = WorksheetFactory(regions=regions, assignment__answer_key=["12"])
    submission = SubmissionFactory(assignment=worksheet.assignment)
    submission.page_reading = page_reading(["123456", "12"], regions=regions)
    submission.save()
    graded = grade_submission(submission.pk)
    assert [a["name"] for a in graded.answers] == ["1"]
    assert graded.answers[0]["area"] == 1
    assert graded.score == 1.0
