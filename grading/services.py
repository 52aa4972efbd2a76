"""Grading operations used by the views, the API, the signal receiver and the tasks."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digitsight import queues
from grading import scoring
from grading.models import Assignment, AudioExport, Submission

log = logging.getLogger(__name__)


# --- Uploads -------------------------------------------------------------------------------


def student_from_filename(filename: str) -> str:
    """ "ana_lopez.jpg" -> "Ana Lopez"."""
    words = re.split(r"[_\-.\s]+", Path(filename or "").stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w)[:180] or "Student"


def student_name(filename: str, page: int | None, pages: int, given: str = "") -> str:
    base = (given or "").strip()[:180] or student_from_filename(filename)
    return f"{base} p.{page}" if pages > 1 and page else base


def add_submissions(
    assignment: Assignment, uploaded_by, uploaded_file, student: str = ""
) -> list[Submission]:
    """One submission per page of one uploaded file; raises predictor's UploadRejected.

    The pages' predictions belong to the assignment's owner so the files stay with the
    class when a grader uploads them.
    """
    from predictor.services import create_predictions

    with transaction.atomic():
        # Background lane: a class upload must not hold up a teacher's own photo.
        predictions = create_predictions(assignment.owner, uploaded_file, queue=queues.PAGES)
        submissions = [
            Submission.objects.create(
                assignment=assignment,
                prediction=prediction,
                uploaded_by=uploaded_by,
                student=student_name(
                    prediction.original_name or uploaded_file.name, prediction.page, len(predictions), student
                ),
            )
            for prediction in predictions
        ]
    # A reading that finished before its submission existed would never be graded.
    for submission in submissions:
        submission.prediction.refresh_from_db(fields=["status"])
        if submission.prediction.status in ("done", "failed"):
            grade_submission(submission.pk)
    return submissions


def add_class_pages(assignment, uploaded_by, files) -> tuple[list[Submission], list[str]]:
    """Many files at once: a rejected file is reported and skipped, the others are kept."""
    from predictor.uploads import UploadRejected

    submissions, errors = [], []
    for uploaded in files:
        try:
            submissions += add_submissions(assignment, uploaded_by, uploaded)
        except UploadRejected as exc:
            errors.append(f"{uploaded.name}: {exc}")
    return submissions, errors


# --- Exports -------------------------------------------------------------------------------


def start_audio_export(assignment: Assignment, requested_by, language: str) -> AudioExport:
    """Store the export row and queue its build once committed; the sweeper covers a lost enqueue."""
    # Imported here: grading.tasks imports this module for the tasks' work.
    from grading.tasks import enqueue_audio_export

    with transaction.atomic():
        export = AudioExport.objects.create(
            assignment=assignment, requested_by=requested_by, language=language
        )
        enqueue_audio_export(export.pk)
    return export


# --- Grading -------------------------------------------------------------------------------


def grade_submission(submission_id, new_reading: bool = False) -> Submission | None:
    """Mirror the reading's status and grade it when done. Idempotent; keeps overrides."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("assignment", "prediction")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            return None
        if new_reading:
            submission.reviewed = False
        _apply_reading(submission)
        submission.save()
    return submission


def _apply_reading(submission: Submission) -> None:
    prediction = submission.prediction
    if _reads_areas(submission.assignment) and prediction.status == "done":
        _apply_page_reading(submission)
    elif prediction.status == "done":
        _apply_grade(submission)
    elif prediction.status == "failed":
        submission.status = Submission.Status.FAILED
        submission.review_reasons = [f"The page could not be read: {prediction.error or 'unknown error'}"]
        submission.needs_review = True
        submission.score = None
    else:
        submission.status = prediction.status


def _reads_areas(assignment: Assignment) -> bool:
    """A worksheet assignment is graded from its area reading, never line by line."""
    worksheet = getattr(assignment, "worksheet", None)
    return bool(worksheet and (worksheet.reads_template or worksheet.reads_sheet))


def _apply_page_reading(submission: Submission) -> None:
    page = submission.page_reading or {}
    if not page:
        # Read before the worksheet was set up: worksheets.receivers has it read again, by area.
        submission.status = Submission.Status.PROCESSING
    elif not page.get("aligned"):
        submission.status = Submission.Status.NEEDS_ATTENTION
        submission.reason = page.get("error") or "The page does not match the worksheet."
        submission.review_reasons = [submission.reason]
        submission.needs_review = True
        submission.score = None
    else:
        submission.reason = ""
        readings = scoring.readings_from_areas(page.get("answers") or [], submission.assignment.answer_key)
        _apply_grade(submission, readings, page)


def _apply_grade(submission: Submission, readings=None, page=None) -> None:
    if readings is None:
        readings = scoring.readings_from_result(submission.prediction.result)
    result = scoring.grade(
        submission.assignment.key(), readings, submission.overrides, settings.DIGITSIGHT_REVIEW_THRESHOLD
    )
    if page is not None:
        scoring.attach_areas(result, page)
    submission.answers = result.answers
    submission.extra_answers = result.extras
    submission.score = result.score
    submission.max_score = result.max_score
    submission.review_reasons = result.reasons
    submission.needs_review = result.needs_review and not submission.reviewed
    submission.status = Submission.Status.GRADED
    submission.graded_at = timezone.now()


def regrade_assignment(assignment: Assignment) -> int:
    """After the key changes: every finished submission is graded again (overrides kept)."""
    ids = list(assignment.submissions.values_list("pk", flat=True))
    for pk in ids:
        grade_submission(pk)
    return len(ids)


def override_answer(submission: Submission, question: int, predicted=None, correct=None, clear=False):
    """Record a teacher's decision on one question and re-score; raises ValueError."""
    questions = len(submission.assignment.answer_key)
    if not 1 <= int(question) <= questions:
        raise ValueError(f"Question must be between 1 and {questions}.")
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        override = {} if clear else dict(locked.overrides.get(str(question), {}))
        if predicted is not None and not clear:
            override["predicted"] = scoring.clean_answer(predicted) if str(predicted).strip() else ""
        if correct is not None and not clear:
            override["correct"] = bool(correct)
        _store_override(locked, question, override)
        locked.save(update_fields=["overrides", "updated_at"])
    return grade_submission(submission.pk)


def _store_override(submission: Submission, question, override: dict) -> None:
    overrides = dict(submission.overrides)
    if override:
        overrides[str(question)] = override
    else:
        overrides.pop(str(question), None)
    submission.overrides = overrides


def pick_student(submission: Submission, roster_student_id: int | None) -> Submission:
    """The teacher picks the page's student from the owner's class list; raises ValueError."""
    from grading import roster
    from grading.models import RosterStudent

    student = None
    if roster_student_id is not None:
        owner = submission.assignment.owner_id
        student = RosterStudent.objects.filter(owner_id=owner, pk=roster_student_id).first()
        if student is None:
            raise ValueError("No such student on the class list.")
    return roster.assign(submission, student)


def mark_reviewed(submission: Submission, reviewed: bool = True) -> Submission:
    Submission.objects.filter(pk=submission.pk).update(reviewed=reviewed)
    return grade_submission(submission.pk)


def answer_groups(assignment: Assignment, question: int) -> list[dict]:
    """scoring.answer_groups, each group with its students' names (sorted) for the page."""
    graded = list(
        assignment.submissions.filter(status=Submission.Status.GRADED).values_list("pk", "answers", "student")
    )
    groups = scoring.answer_groups([(pk, answers) for pk, answers, _ in graded], question)
    names = {pk: student for pk, _, student in graded}
    for group in groups:
        group["students"] = sorted((names[pk] for pk in group["submission_ids"]), key=str.casefold)
    return groups


def mark_group(assignment: Assignment, question: int, value: str, correct: bool) -> int:
    """Mark every submission whose answer to `question` reads `value` as correct/incorrect."""
    group = next((g for g in answer_groups(assignment, question) if g["predicted"] == value), None)
    if group is None:
        return 0
    for submission in Submission.objects.filter(pk__in=group["submission_ids"]).select_related("assignment"):
        override_answer(submission, question, correct=correct)
    return group["count"]


def question_stats(assignment: Assignment) -> list[dict]:
    graded = assignment.submissions.filter(status=Submission.Status.GRADED).values_list("answers", flat=True)
    stats = scoring.question_stats(graded, len(assignment.answer_key))
    for row, expected in zip(stats, assignment.answer_key, strict=True):
        row["expected"] = expected
    return stats


def next_needing_review(assignment: Assignment, after: Submission | None = None) -> Submission | None:
    """The next flagged submission in list order (student name), wrapping around."""
    flagged = list(assignment.submissions.filter(needs_review=True).order_by("student", "created_at"))
    if not flagged:
        return None
    if after is None:
        return flagged[0]
    later = [s for s in flagged if (s.student, s.created_at) > (after.student, after.created_at)]
    candidates = later or [s for s in flagged if s.pk != after.pk]
    return candidates[0] if candidates else None
