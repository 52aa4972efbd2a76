"""Grades CSV and the ZIP of per-student audio readouts."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from urllib.parse import quote

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from grading import scoring
from grading.models import Assignment, AudioExport, Submission

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = {"audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav", "audio/ogg": "ogg"}


def _cell(value) -> str:
    """Keep spreadsheets from running a student name such as "=HYPERLINK(...)" as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def attachment_header(assignment: Assignment, kind: str, extension: str) -> str:
    """Content-Disposition naming the download after the assignment, e.g. week-3-sums-grades.csv.

    `filename` is an ASCII slug for old clients; `filename*` (RFC 6266) keeps the
    title's accents and scripts for the browsers that read it.
    """
    plain = slugify(assignment.title) or f"assignment-{assignment.pk}"
    full = slugify(assignment.title, allow_unicode=True) or plain
    return (
        f'attachment; filename="{plain}-{kind}.{extension}"; '
        f"filename*=UTF-8''{quote(f'{full}-{kind}.{extension}')}"
    )


def grades_rows(assignment: Assignment):
    questions = range(1, len(assignment.answer_key) + 1)
    header = ["student", "status", "score", "max_score", "needs_review"]
    for q in questions:
        header += [f"q{q}_read", f"q{q}_expected", f"q{q}_correct"]
    yield header
    for submission in assignment.submissions.order_by("student", "created_at"):
        by_question = {a["question"]: a for a in submission.answers}
        row = [
            _cell(submission.student),
            submission.status,
            _score(submission.score),
            _score(submission.max_score if submission.max_score is not None else assignment.max_score),
            "yes" if submission.needs_review else "no",
        ]
        for q in questions:
            answer = by_question.get(q)
            expected = assignment.answer_key[q - 1]
            if answer is None:
                row += ["", expected, ""]
            else:
                row += [answer["predicted"], expected, "yes" if answer["correct"] else "no"]
        yield row


def _score(value) -> str:
    return "" if value is None else f"{value:g}"


def grades_csv(assignment: Assignment) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in grades_rows(assignment):
        writer.writerow(row)
    return buffer.getvalue()


def build_audio_export(export_id) -> AudioExport | None:
    """Make every graded student's readout and store them in one ZIP. Safe to run twice at once."""
    export = AudioExport.objects.select_related("assignment").filter(pk=export_id).first()
    if export is None or export.status == AudioExport.Status.DONE:
        return export
    try:
        data = _audio_zip(export.assignment, export.language)
    except Exception as exc:  # a failed export must say why instead of spinning forever
        log.exception("audio export %s failed", export_id)
        return _store_export(export, None, f"{type(exc).__name__}: {exc}"[:1000])
    return _store_export(export, data, "")


def _store_export(export: AudioExport, data: bytes | None, error: str) -> AudioExport:
    # The sweeper may have queued a second build of a slow export: the first to finish wins.
    with transaction.atomic():
        locked = AudioExport.objects.select_for_update().select_related("assignment").get(pk=export.pk)
        if locked.status == AudioExport.Status.DONE:
            return locked
        if data is None:
            locked.status, locked.error = AudioExport.Status.FAILED, error
        else:
            name = f"{slugify(locked.assignment.title) or 'assignment'}-readouts.zip"
            locked.file.save(name, ContentFile(data), save=False)
            locked.status, locked.error = AudioExport.Status.DONE, ""
        locked.finished_at = timezone.now()
        locked.save()
    return locked


def _audio_zip(assignment: Assignment, language: str) -> bytes:
    from predictor.audio import make_readout

    buffer = io.BytesIO()
    transcript = []
    graded = assignment.submissions.filter(status=Submission.Status.GRADED).order_by("student", "created_at")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, submission in enumerate(graded, start=1):
            text = scoring.readout_text(
                submission.student, submission.answers, submission.score, submission.max_score
            )
            audio, content_type, _engine = make_readout(text, language)
            extension = AUDIO_EXTENSIONS.get(content_type.split(";")[0].strip(), "bin")
            archive.writestr(f"{number:02d}-{slugify(submission.student) or 'student'}.{extension}", audio)
            transcript.append(text)
        archive.writestr("transcript.txt", "\n".join(transcript) + "\n")
    return buffer.getvalue()
