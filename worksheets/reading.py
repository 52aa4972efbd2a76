"""Read a class page against its worksheet, area by area, in the worker (never in a request).

`read_for_prediction` is registered in predictor.reading.PAGE_READERS: when the page being read
belongs to a submission of a worksheet assignment, the worker reads it with the teacher's template
(`ml.worksheet.read_against_template`) or as a DigitSight answer sheet (`ml.worksheet.read_sheet`)
instead of as a page of bare numbers, so each page is read once. Each answer's crop is stored
through the storage API. Once the reading is committed, `store` matches the student to the roster
and grades the submission. A page that does not match is kept with its reason ("needs
attention"), never graded 0.
"""

from __future__ import annotations

import io
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from grading import roster
from grading.models import Submission
from predictor.reading import TRANSIENT_ERRORS, _failure_message, _jsonable

log = logging.getLogger(__name__)

OTHER_SHEET = (
    "This answer sheet belongs to another assignment (sheet {found}). "
    "Upload it to that assignment, or print this assignment's sheets."
)
CROP_MARGIN = 6  # pixels around an area, so a digit touching its box edge stays visible


def worksheet_submission(prediction_id) -> Submission | None:
    """The submission whose page this is, when its assignment is read by worksheet."""
    submission = (
        Submission.objects.select_related("assignment__worksheet", "assignment__owner")
        .filter(prediction_id=prediction_id)
        .first()
    )
    worksheet = getattr(submission.assignment, "worksheet", None) if submission else None
    if worksheet is None or not (worksheet.reads_template or worksheet.reads_sheet):
        return None
    return submission


def read_for_prediction(reader, prediction, photo: bytes) -> dict | None:
    """The reading stored on the prediction: its numbers (for the prediction's own pages and audio)
    and, under "worksheet", the page read area by area. None when the page is not a worksheet's."""
    submission = worksheet_submission(prediction.pk)
    if submission is None:
        return None
    worksheet = submission.assignment.worksheet
    page = _read(reader, worksheet, photo)
    if page.get("aligned") and worksheet.reads_sheet and sheet_tag(page.get("sheet")) != worksheet.sheet_id:
        page = {"aligned": False, "error": OTHER_SHEET.format(found=page.get("sheet") or "unknown")}
    if page.get("aligned"):
        page["answers"] = _store_crops(submission, photo, page.get("answers") or [])
    return {
        "numbers": _numbers(page),
        "needs_review": not page.get("aligned") or bool(page.get("needs_review")),
        "worksheet": page,
    }


def sheet_tag(layout_id) -> str:
    """Our tag at the end of a sheet's layout id ("DS1-a4-q4-i6-c1-DS12_3FA9C1" -> "DS12_3FA9C1")."""
    from ml.sheet import SheetError, SheetLayout

    try:
        return SheetLayout.from_id(str(layout_id or "")).tag
    except SheetError:
        return ""


def _read(reader, worksheet, photo: bytes) -> dict:
    try:
        if worksheet.reads_sheet:
            from ml.worksheet import read_sheet

            return _jsonable(read_sheet(reader, photo))
        from ml.worksheet import read_against_template

        with worksheet.template.open("rb") as handle:
            template = handle.read()
        return _jsonable(read_against_template(reader, photo, template, worksheet.regions))
    except (*TRANSIENT_ERRORS, SoftTimeLimitExceeded):
        raise  # the predictor retries, or says the page took too long
    except Exception as exc:
        return {"aligned": False, "error": _failure_message(exc)}


def _numbers(page: dict) -> list[dict]:
    """The areas as the predictor's numbers, one line each, so its pages and readouts still work."""
    return [
        {
            "number": a.get("number", ""),
            "confidence": a.get("confidence"),
            "box": a.get("box"),
            "line": n,
            "digits": [],
        }
        for n, a in enumerate(page.get("answers") or [])
        if str(a.get("number") or "").strip()
    ]


def _store_crops(submission: Submission, photo: bytes, answers: list[dict]) -> list[dict]:
    image = Image.open(io.BytesIO(photo))
    image.load()
    stored = []
    for index, answer in enumerate(answers):
        answer = dict(answer)
        if answer.get("box"):
            name = f"crops/{submission.assignment.owner_id}/{submission.pk}/{index}.png"
            default_storage.delete(name)  # a re-read replaces its crops, it never piles up copies
            answer["crop"] = default_storage.save(name, ContentFile(_crop_png(image, answer["box"])))
        stored.append(answer)
    return stored


def _crop_png(image: Image.Image, box) -> bytes:
    x, y, w, h = (int(v) for v in box)
    left, top = max(x - CROP_MARGIN, 0), max(y - CROP_MARGIN, 0)
    right, bottom = min(x + w + CROP_MARGIN, image.width), min(y + h + CROP_MARGIN, image.height)
    crop = image.crop((left, top, max(right, left + 1), max(bottom, top + 1))).convert("L")
    buffer = io.BytesIO()
    crop.save(buffer, "PNG")
    return buffer.getvalue()


def store(submission: Submission, page: dict) -> None:
    """Keep the committed page reading on the submission, match the student, grade."""
    from grading.services import grade_submission

    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if page.get("aligned"):
            roster.identify(locked, page)
        locked.page_reading = page
        locked.reviewed = False
        locked.save(update_fields=["page_reading", "reviewed", "student", "roster_student", "updated_at"])
    grade_submission(submission.pk)
    if page.get("aligned"):
        roster.flag_duplicates(submission.assignment)
