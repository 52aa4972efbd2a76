"""Grading a page's reading against an answer key: plain functions, no Django.

Design decisions (documented here because teachers will ask):

* A worksheet has one answer per line. The reader's numbers are grouped by line in
  reading order; line i answers question i. Several numbers on one line are joined with a
  space (the reader may split a wide "12" into "1" and "2") and flagged for review.
* Numbers compare as numbers: whitespace removed, so "0 7" == "07" == "7" and
  "3.50" == "3.5" == "+3.5". With a tolerance, |read - expected| <= tolerance counts as
  correct. A fraction ("3/4", read by the line model since ml.signs) equals only the same
  fraction written the same way ("03/4"), unless the assignment allows equivalent forms
  (`Key.fractions`): then "3/4" == "6/8" == "0.75". Text that is not a number never
  matches a number.
* Fewer lines than questions: when the line boxes show a clearly larger vertical gap than
  the usual line pitch, blank answers are inserted there (a skipped question), otherwise
  the missing questions are the last ones. Either way the page is flagged for review.
  More lines than questions: the extra ones are kept apart, never graded, and flagged.
  Nothing is ever shifted silently.
* Teacher overrides ({"predicted": "7"} and/or {"correct": true}) are applied on top of the
  reading; the original reading stays in `original_predicted`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from statistics import median

ANSWER_RE = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+|\d+/\d*[1-9]\d*)$")

LOW_CONFIDENCE = "low_confidence"
UNANSWERED = "unanswered"
SEVERAL_NUMBERS = "several_numbers"


@dataclass(frozen=True)
class Key:
    answers: list[str]
    points: list[float] | None = None
    tolerance: Decimal | None = None
    fractions: bool = False  # "3/4" equals "0.75" and "6/8"

    def points_for(self, index: int) -> float:
        return float(self.points[index]) if self.points else 1.0

    @property
    def max_score(self) -> float:
        return float(sum(self.points)) if self.points else float(len(self.answers))


@dataclass(frozen=True)
class Reading:
    """What was read on one line of the page."""

    text: str
    confidence: float | None = None
    box: list[int] | None = None
    numbers: int = 1


BLANK = Reading(text="", confidence=None, box=None, numbers=0)


@dataclass
class Grade:
    answers: list[dict]
    extras: list[dict]
    score: float
    max_score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)


def clean_answer(text: str) -> str:
    """Validate an answer-key entry or a teacher's corrected answer; raise ValueError."""
    value = re.sub(r"\s+", "", str(text))
    if not ANSWER_RE.match(value):
        raise ValueError(
            f"“{text}” is not a number (digits, optional sign and decimal point, or a fraction like 3/4)."
        )
    return value


def normalize(text: str) -> str:
    """The canonical spelling: no spaces, no "+", no leading zeros, and for a decimal no
    trailing zeros ("03.50" -> "3.5"); a fraction keeps its terms ("03/4" -> "3/4")."""
    value = re.sub(r"\s+", "", text or "").lstrip("+")
    sign = "-" if value.startswith("-") else ""
    value = value.lstrip("-")
    if "/" in value:
        top, _, bottom = value.partition("/")
        return f"{sign}{_whole(top)}/{_whole(bottom)}"
    whole, dot, frac = value.partition(".")
    if dot and ANSWER_RE.match(value):
        frac = frac.rstrip("0")
        dot = "." if frac else ""
        whole = _whole(whole) or "0"
        sign = sign if (whole != "0" or frac) else ""
        return f"{sign}{whole}{dot}{frac}"
    return f"{sign}{_whole(whole)}{dot}{frac}"


def _whole(digits: str) -> str:
    return digits.lstrip("0") or ("0" if digits else "")


def value_of(text: str) -> Fraction | None:
    """The number a canonical answer stands for, exactly; None when it is not one."""
    value = normalize(text)
    if not ANSWER_RE.match(value):
        return None
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        return None


def matches(predicted: str, expected: str, tolerance: Decimal | None = None, fractions: bool = False) -> bool:
    read, want = normalize(predicted), normalize(expected)
    if not read:
        return False
    a, b = value_of(read), value_of(want)
    if a is None or b is None:
        return read == want
    if not fractions and ("/" in read or "/" in want):
        # A fraction is not forgiven into another form unless the assignment says so.
        return (
            read == want if tolerance is None else ("/" in read) == ("/" in want) and _near(a, b, tolerance)
        )
    return a == b if tolerance is None else _near(a, b, tolerance)


def _near(a: Fraction, b: Fraction, tolerance: Decimal) -> bool:
    try:
        return abs(a - b) <= Fraction(Decimal(tolerance))
    except (InvalidOperation, ValueError):
        return False


def readings_from_result(result: Mapping | None) -> list[Reading]:
    """Group the reader's numbers by line, keeping reading order."""
    lines: dict[object, list[dict]] = {}
    for index, number in enumerate((result or {}).get("numbers") or []):
        line = number.get("line", f"n{index}")
        lines.setdefault(line, []).append(number)
    return [_reading(numbers) for numbers in lines.values()]


def _reading(numbers: list[dict]) -> Reading:
    confidences = [n["confidence"] for n in numbers if n.get("confidence") is not None]
    boxes = [n["box"] for n in numbers if n.get("box")]
    return Reading(
        text=" ".join(str(n.get("number", "")) for n in numbers),
        confidence=min(confidences) if confidences else None,
        box=_union(boxes) if boxes else None,
        numbers=len(numbers),
    )


def readings_from_areas(areas: list[dict], key: list[str]) -> list[Reading]:
    """One reading per graded area, in key order; an area read as nothing is a blank answer.

    Exactly one reading per question, so `fill_gaps` never shifts anything: areas are not lines.
    """
    graded = [a for a in areas if not is_identity_area(a.get("name", ""))]
    readings = [
        Reading(text=str(a.get("number") or ""), confidence=a.get("confidence"), box=a.get("box"))
        if str(a.get("number") or "").strip()
        else Reading(text="", confidence=None, box=a.get("box"), numbers=0)
        for a in graded[: len(key)]
    ]
    return readings + [BLANK] * (len(key) - len(readings))


IDENTITY_AREAS = ("student_id", "name")


def is_identity_area(name: str) -> bool:
    """Areas that say who wrote the page: read, shown, never graded."""
    return str(name).strip().lower() in IDENTITY_AREAS


def attach_areas(result: Grade, page: dict) -> None:
    """Give each graded answer its area's name, page box and crop, and add the page's doubts."""
    areas = list(enumerate(page.get("answers") or []))
    graded = [(i, a) for i, a in areas if not is_identity_area(a.get("name", ""))]
    for answer, (index, area) in zip(result.answers, graded, strict=False):
        answer["name"] = str(area.get("name", answer["question"]))
        answer["box"] = area.get("box")
        answer["crop"] = area.get("crop", "")
        answer["area"] = index  # the crop's place in the page reading, for its URL
    result.reasons.extend(page.get("identity_reasons") or [])


def _union(boxes: list[list[int]]) -> list[int]:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return [x0, y0, x1 - x0, y1 - y0]


def fill_gaps(readings: list[Reading], questions: int) -> list[Reading]:
    """Insert blanks where the vertical spacing shows a skipped line (see module doc)."""
    missing = questions - len(readings)
    if missing <= 0 or len(readings) < 3 or any(r.box is None for r in readings):
        return readings
    centers = [r.box[1] + r.box[3] / 2 for r in readings]
    steps = [b - a for a, b in zip(centers, centers[1:], strict=False)]
    pitch = median(steps)
    if pitch <= 0:
        return readings
    filled = [readings[0]]
    for step, reading in zip(steps, readings[1:], strict=True):
        skipped = min(max(round(step / pitch) - 1, 0), missing)
        filled += [BLANK] * skipped
        missing -= skipped
        filled.append(reading)
    return filled


def grade(
    key: Key,
    readings: list[Reading],
    overrides: Mapping[str, Mapping] | None = None,
    threshold: float = 0.8,
) -> Grade:
    overrides = overrides or {}
    slots = fill_gaps(readings, len(key.answers))
    answers = [
        _answer(key, i, slots[i] if i < len(slots) else BLANK, overrides.get(str(i + 1)), threshold)
        for i in range(len(key.answers))
    ]
    extras = [_extra(len(key.answers) + n + 1, r) for n, r in enumerate(slots[len(key.answers) :])]
    score = sum(a["earned"] for a in answers)
    return Grade(answers, extras, score, key.max_score, _reasons(answers, len(readings), len(key.answers)))


def _answer(key: Key, index: int, reading: Reading, override: Mapping | None, threshold: float) -> dict:
    override = override or {}
    predicted = override.get("predicted", reading.text)
    correct = override.get("correct")
    if correct is None:
        correct = matches(predicted, key.answers[index], key.tolerance, key.fractions)
    flags = []
    if not normalize(predicted):
        flags.append(UNANSWERED)
    if reading.numbers > 1 and not override:
        flags.append(SEVERAL_NUMBERS)
    low = reading.confidence is not None and reading.confidence < threshold
    if low and not override:
        flags.append(LOW_CONFIDENCE)
    points = key.points_for(index)
    return {
        "question": index + 1,
        "expected": key.answers[index],
        "predicted": predicted,
        "confidence": reading.confidence,
        "correct": bool(correct),
        "overridden": bool(override),
        "original_predicted": reading.text,
        "points": points,
        "earned": points if correct else 0.0,
        "flags": flags,
        "box": reading.box,
    }


def _extra(position: int, reading: Reading) -> dict:
    return {
        "position": position,
        "predicted": reading.text,
        "confidence": reading.confidence,
        "box": reading.box,
    }


def _reasons(answers: list[dict], read: int, questions: int) -> list[str]:
    reasons = []
    if read > questions:
        reasons.append(
            f"{read} answers read for {questions} questions: the extra ones are listed apart, not graded."
        )
    unanswered = _questions_with(answers, UNANSWERED)
    if read < questions and unanswered:
        reasons.append(f"{read} answers read for {questions} questions: no answer for {unanswered}.")
    elif unanswered:
        reasons.append(f"No answer for {unanswered}.")
    if low := _questions_with(answers, LOW_CONFIDENCE):
        reasons.append(f"Low confidence on {low}.")
    if several := _questions_with(answers, SEVERAL_NUMBERS):
        reasons.append(f"Several numbers on one line for {several}.")
    return reasons


def _questions_with(answers: list[dict], flag: str) -> str:
    numbers = [str(a["question"]) for a in answers if flag in a["flags"]]
    if not numbers:
        return ""
    return ("question " if len(numbers) == 1 else "questions ") + ", ".join(numbers)


def answer_groups(submissions: Iterable[tuple[object, list[dict]]], question: int) -> list[dict]:
    """Identical (canonical) answers to one question: the correct ones first, then the most
    frequent, ties in numeric order (as text, "100" would sort before "12")."""
    groups: dict[str, dict] = {}
    for submission_id, answers in submissions:
        answer = next((a for a in answers if a["question"] == question), None)
        if answer is None:
            continue
        value = normalize(answer["predicted"])
        group = groups.setdefault(
            value, {"predicted": value, "count": 0, "submission_ids": [], "correct": set()}
        )
        group["count"] += 1
        group["submission_ids"].append(submission_id)
        group["correct"].add(answer["correct"])
    for group in groups.values():
        # True/False when every member agrees, None when the group is mixed.
        group["correct"] = group["correct"].pop() if len(group["correct"]) == 1 else None
    return sorted(groups.values(), key=_group_order)


def _group_order(group: dict) -> tuple:
    try:
        value = float(group["predicted"])
    except ValueError:  # "(no answer)" and unreadable answers go after the numbers
        value = math.inf
    return (group["correct"] is not True, -group["count"], value, group["predicted"])


def question_stats(answer_lists: Iterable[list[dict]], questions: int) -> list[dict]:
    totals = [{"question": q + 1, "graded": 0, "correct": 0, "percent": None} for q in range(questions)]
    for answers in answer_lists:
        for answer in answers:
            row = totals[answer["question"] - 1] if 0 < answer["question"] <= questions else None
            if row is not None:
                row["graded"] += 1
                row["correct"] += bool(answer["correct"])
    for row in totals:
        if row["graded"]:
            row["percent"] = round(100 * row["correct"] / row["graded"], 1)
    return totals


def readout_text(student: str, answers: list[dict], score: float | None, max_score: float | None) -> str:
    parts = [f"Student {student}."]
    for a in answers:
        said = a["predicted"] or "no answer"
        verdict = "correct" if a["correct"] else f"incorrect, expected {a['expected']}"
        parts.append(f"Question {a['question']}: {said}, {verdict}.")
    if score is not None:
        parts.append(f"Score {_number(score)} out of {_number(max_score)}.")
    return " ".join(parts)


def _number(value: float | None) -> str:
    return "0" if value is None else (f"{value:g}")
