"""A teacher's class list: CSV import, and matching a page to a student by the ID read on it.

A page is matched only when the ID was read surely and is on the list. A doubtful or unknown
ID, or two pages for one student, is flagged on the page for the teacher; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import re

from django.conf import settings
from django.db import transaction

from grading.models import RosterStudent, Submission

HEADER = ("name", "student_id")
MAX_ROWS = 2000


class RosterError(ValueError):
    """str(exc) says what to fix in the file; nothing was imported."""


def parse_csv(data: bytes) -> list[dict]:
    text = _decode(data)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RosterError("The file is empty. Give a header line “name,student_id” and one line per student.")
    header = [cell.strip().lower().replace(" ", "_") for cell in rows[0]]
    if not set(HEADER) <= set(header):
        raise RosterError(
            f"The first line must name the columns “name,student_id” (found “{','.join(rows[0])}”)."
        )
    students = [
        _row(n + 2, dict(zip(header, row, strict=False))) for n, row in enumerate(rows[1:]) if any(row)
    ]
    if len(students) > MAX_ROWS:
        raise RosterError(f"At most {MAX_ROWS} students per file.")
    _check_unique(students)
    return students


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError("The file is not UTF-8 text: export the class list as CSV (UTF-8).") from None


def _row(line: int, row: dict) -> dict:
    name = (row.get("name") or "").strip()[:200]
    student_id = clean_id(row.get("student_id") or "")
    if not name or not student_id:
        raise RosterError(f"Line {line}: every student needs a name and a student ID.")
    return {"name": name, "student_id": student_id, "class_name": (row.get("class") or "").strip()[:100]}


def clean_id(value: str) -> str:
    return "".join(str(value).split())[:32]


def _check_unique(students: list[dict]) -> None:
    ids = [s["student_id"] for s in students]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RosterError(f"Student IDs must be unique: {', '.join(duplicates)} appears more than once.")


def import_csv(owner, data: bytes) -> dict:
    """All or nothing: a known ID gets the file's name, a new one is added. Raises RosterError."""
    students = parse_csv(data)
    created = updated = 0
    with transaction.atomic():
        for student in students:
            _, new = RosterStudent.objects.update_or_create(
                owner=owner,
                student_id=student["student_id"],
                defaults={"name": student["name"], "class_name": student["class_name"]},
            )
            created += new
            updated += not new
    return {"created": created, "updated": updated}


# --- Matching pages to students -------------------------------------------------------------


def read_id(page: dict) -> dict | None:
    """The ID read on the page: the sheet's ID boxes, or a template's "student_id" area."""
    if page.get("student_id"):
        return page["student_id"]
    area = next((a for a in page.get("answers") or [] if a.get("name") == "student_id"), None)
    if area is None:
        return None
    return {
        "number": area.get("number", ""),
        "confidence": area.get("confidence"),
        "needs_review": area.get("needs_review"),
    }


def identify(submission: Submission, page: dict) -> None:
    """Set the page's student from the roster, or record why not in page["identity_reasons"]."""
    reading = read_id(page)
    reasons = []
    if reading is not None:
        student, reason = match(submission.assignment.owner_id, reading)
        if student is not None:
            submission.roster_student = student
            submission.student = student.name
        elif reason:
            reasons.append(reason)
            submission.roster_student = None
    page["identity_reasons"] = reasons


def match(owner_id, reading: dict) -> tuple[RosterStudent | None, str]:
    number = clean_id(reading.get("number") or "")
    if not number:
        return None, "No student ID could be read on the page: pick the student."
    confidence = reading.get("confidence")
    doubtful = reading.get("needs_review") or (
        confidence is not None and confidence < settings.DIGITSIGHT_REVIEW_THRESHOLD
    )
    if doubtful:
        return None, f"The student ID was read as {number} but not surely: check it and pick the student."
    student = RosterStudent.objects.filter(owner_id=owner_id, student_id=number).first()
    if student is None:
        return None, f"Student ID {number} is not on your class list: check it and pick the student."
    return student, ""


def find(owner_id, text: str) -> RosterStudent | str:
    """The student a teacher typed: "Name (ID)" as the picker offers it, an ID, or a unique name.

    Returns the student, or a message saying why none was picked (never a guess).
    """
    text = " ".join(str(text).split())
    students = RosterStudent.objects.filter(owner_id=owner_id)
    label = re.fullmatch(r"(.+) \((\S+)\)", text)
    if label and (student := students.filter(student_id=label.group(2), name=label.group(1)).first()):
        return student
    if student := students.filter(student_id=clean_id(text)).first():
        return student
    named = list(students.filter(name__iexact=text)[:2])
    if len(named) == 1:
        return named[0]
    if named:
        return f"Several students are called {text}: pick one with their ID."
    return f"Nobody called “{text}” is on the class list." if text else "Type the student's name or ID."


DUPLICATE = "Two or more pages for {name} ({student_id}): check which one counts."


def flag_duplicates(assignment) -> None:
    """Flag every page whose student has another page in this assignment (and unflag the rest)."""
    from grading.services import grade_submission

    pages = list(assignment.submissions.exclude(page_reading={}).select_related("roster_student"))
    counts: dict[int, int] = {}
    for page in pages:
        if page.roster_student_id:
            counts[page.roster_student_id] = counts.get(page.roster_student_id, 0) + 1
    for page in pages:
        reasons = [
            r for r in page.page_reading.get("identity_reasons") or [] if not r.startswith("Two or more")
        ]
        if counts.get(page.roster_student_id, 0) > 1:
            reasons.append(
                DUPLICATE.format(name=page.roster_student.name, student_id=page.roster_student.student_id)
            )
        if reasons != (page.page_reading.get("identity_reasons") or []):
            reading = dict(page.page_reading, identity_reasons=reasons)
            Submission.objects.filter(pk=page.pk).update(page_reading=reading)
            grade_submission(page.pk)


def assign(submission: Submission, student: RosterStudent | None) -> Submission:
    """The teacher picked the student (from the name area's crop, or after a doubtful ID)."""
    from grading.services import grade_submission

    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        locked.roster_student = student
        if student is not None:
            locked.student = student.name
            reading = dict(locked.page_reading or {})
            reading["identity_reasons"] = []
            locked.page_reading = reading
        locked.save(update_fields=["roster_student", "student", "page_reading", "updated_at"])
    grade_submission(submission.pk)
    flag_duplicates(submission.assignment)
    return Submission.objects.get(pk=submission.pk)
