"""What views, the API and the receiver call to change worksheets and queue page readings."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction

from grading import scoring
from grading.models import Submission
from worksheets import regions as region_rules
from worksheets.models import Worksheet

log = logging.getLogger(__name__)


def reread(submission: Submission) -> None:
    """Read the page again; the worker reads it area by area (worksheets.reading)."""
    from predictor.services import rerun_prediction

    Submission.objects.filter(pk=submission.pk).update(page_reading={}, status=Submission.Status.PROCESSING)
    rerun_prediction(submission.prediction)


def set_template(worksheet: Worksheet, uploaded_file) -> list[dict]:
    """Store page 1 of the upload as the template; return the proposed areas. Raises UploadRejected.

    Proposal is OpenCV only (no model) on a page already capped by DIGITSIGHT_MAX_PIXELS,
    so it runs in the request: the teacher sees the areas at once.
    """
    from predictor.uploads import read_upload

    page = read_upload(uploaded_file)[0]
    old = (worksheet.template.storage, worksheet.template.name) if worksheet.template else None
    proposed = propose(page.png)
    with transaction.atomic():
        worksheet.template.save("template.png", ContentFile(page.png), save=False)
        worksheet.width, worksheet.height = page.width, page.height
        worksheet.mode = Worksheet.Mode.TEMPLATE
        worksheet.save()
        if old:
            transaction.on_commit(lambda: old[0].delete(old[1]), robust=True)
    return proposed


def propose(png: bytes) -> list[dict]:
    from ml.regions import propose_regions

    return [
        {"name": str(r["name"]), "box": [int(v) for v in r["box"]], "answer": "", "points": 1.0}
        for r in propose_regions(png)
    ]


def save_regions(worksheet: Worksheet, regions: list[dict]) -> int:
    """Store checked areas, set the key from their answers, re-read or re-grade the pages.

    Returns the number of submissions queued again or re-graded.
    """
    from grading.services import regrade_assignment

    moved = _geometry(worksheet.regions) != _geometry(regions)
    graded = [r for r in regions if not scoring.is_identity_area(r["name"])]
    assignment = worksheet.assignment
    with transaction.atomic():
        worksheet.regions = regions
        worksheet.mode = Worksheet.Mode.TEMPLATE
        worksheet.save(update_fields=["regions", "mode", "updated_at"])
        assignment.answer_key = [r["answer"] for r in graded]
        assignment.points = [float(r["points"]) for r in graded]
        assignment.save(update_fields=["answer_key", "points", "updated_at"])
        if moved:
            return reread_pages(assignment)
    return regrade_assignment(assignment)


def current_regions(worksheet: Worksheet) -> list[dict]:
    """The areas with the assignment's key as it is now: the key may be edited on its own form."""
    assignment = worksheet.assignment
    key, points = assignment.answer_key, assignment.points
    graded = [r for r in worksheet.regions if not scoring.is_identity_area(r["name"])]
    if len(graded) != len(key):
        return worksheet.regions
    regions, index = [], 0
    for region in worksheet.regions:
        if not scoring.is_identity_area(region["name"]):
            region = dict(region, answer=key[index], points=float(points[index]) if points else 1.0)
            index += 1
        regions.append(region)
    return regions


def _geometry(regions: list[dict]) -> list:
    return [(r["name"], list(r["box"])) for r in regions or []]


def reread_pages(assignment) -> int:
    pages = list(assignment.submissions.filter(prediction__status="done").select_related("prediction"))
    for submission in pages:
        reread(submission)
    return len(pages)


def sheet_for(worksheet: Worksheet, title: str = "") -> bytes:
    """The printable answer sheet: as many questions as the key; its QR carries the sheet id."""
    from ml.sheet import build_sheet

    assignment = worksheet.assignment
    questions = max(len(assignment.answer_key), 1)
    sheet_id = worksheet.sheet_id or region_rules.new_sheet_id(assignment.pk)
    pdf, layout = build_sheet(questions, title=title or assignment.title, sheet_id=sheet_id)
    fields = ["sheet_id", "sheet_layout", "updated_at"]
    # The tag stays when the key grows: sheets printed before still belong to this assignment.
    worksheet.sheet_id, worksheet.sheet_layout = sheet_id, layout
    if not worksheet.reads_template:
        # No template of their own: the class's pages are these sheets.
        worksheet.mode = Worksheet.Mode.SHEET
        fields.append("mode")
    worksheet.save(update_fields=fields)
    return pdf
