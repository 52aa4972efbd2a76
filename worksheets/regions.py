"""Rules for answer areas a teacher sends: plain functions, no Django.

Boxes are [x, y, w, h] in template pixels and must lie inside the page; names are unique
(they are how a teacher refers to a question). Graded areas need an answer that is a
number; identity areas ("student_id", "name") are only read.
"""

from __future__ import annotations

import secrets

from grading import scoring

MAX_REGIONS = 200


class RegionError(ValueError):
    """str(exc) tells the teacher which area is wrong and why."""


def clean_regions(regions, width: int, height: int) -> list[dict]:
    if not isinstance(regions, list) or not regions:
        raise RegionError("Give at least one answer area.")
    if len(regions) > MAX_REGIONS:
        raise RegionError(f"At most {MAX_REGIONS} answer areas.")
    cleaned = [_clean_region(n + 1, r, width, height) for n, r in enumerate(regions)]
    names = [r["name"] for r in cleaned]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RegionError(f"Area names must be unique: {', '.join(duplicates)} appears more than once.")
    if not any(not scoring.is_identity_area(n) for n in names):
        raise RegionError("Give at least one graded answer area (not only student_id or name).")
    return cleaned


def _clean_region(position: int, region, width: int, height: int) -> dict:
    if not isinstance(region, dict):
        raise RegionError(f"Area {position} must be an object with name, box, answer and points.")
    name = str(region.get("name", "")).strip()[:40]
    if not name:
        raise RegionError(f"Area {position} has no name.")
    box = _clean_box(name, region.get("box"), width, height)
    identity = scoring.is_identity_area(name)
    return {
        "name": name,
        "box": box,
        "answer": "" if identity else _clean_answer(name, region.get("answer", "")),
        "points": 0.0 if identity else _clean_points(name, region.get("points", 1)),
    }


def _clean_box(name: str, box, width: int, height: int) -> list[int]:
    try:
        x, y, w, h = (int(round(float(v))) for v in box)
    except (TypeError, ValueError):
        raise RegionError(f"Area {name}: the box must be four numbers [x, y, width, height].") from None
    if w <= 0 or h <= 0:
        raise RegionError(f"Area {name}: the box must have a positive width and height.")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise RegionError(
            f"Area {name}: the box [{x}, {y}, {w}, {h}] is outside the page ({width}×{height} pixels)."
        )
    return [x, y, w, h]


def _clean_answer(name: str, answer) -> str:
    try:
        return scoring.clean_answer(str(answer))
    except ValueError as exc:
        raise RegionError(f"Area {name}: {exc}") from None


def _clean_points(name: str, points) -> float:
    try:
        value = float(points)
    except (TypeError, ValueError):
        raise RegionError(f"Area {name}: points must be a number.") from None
    if not 0 <= value <= 1000:
        raise RegionError(f"Area {name}: points must be between 0 and 1000.")
    return value


def new_sheet_id(assignment_pk: int) -> str:
    # The assignment id ties a photo back; the random part keeps ids from being guessed.
    return f"DS{assignment_pk}_{secrets.token_hex(3).upper()}"
