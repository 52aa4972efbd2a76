"""What the model page shows. Only reads files written by `make evaluate` / training;
nothing here computes an evaluation inside a web request."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

REPORT_IMAGES = ("confusion.png", "curves.png")
DIGITS = [str(d) for d in range(10)]


def reports_dir() -> Path:
    return Path(settings.DIGITSIGHT_REPORTS_DIR)


def model_card_path() -> Path:
    default = Path(settings.BASE_DIR) / "ml" / "artifacts" / "model_card.json"
    return Path(getattr(settings, "DIGITSIGHT_MODEL_CARD", default))


def _load_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def report_image(name: str) -> Path | None:
    """A whitelisted report image, or None: the name never becomes an arbitrary path."""
    if name not in REPORT_IMAGES:
        return None
    path = reports_dir() / name
    return path if path.is_file() else None


def model_summary() -> dict:
    card = _load_json(model_card_path())
    evaluation = _load_json(reports_dir() / "evaluation.json")
    return {
        "card": card,
        "lines": _load_json(model_card_path().parent / "lines_card.json"),
        "signs": _load_json(model_card_path().parent / "lines_math_card.json"),
        "evaluation": evaluation,
        "version": (card or {}).get("version") or (evaluation or {}).get("model_version"),
        "accuracy": _first((card or {}).get("test_accuracy"), (evaluation or {}).get("accuracy")),
        "per_class": per_class_rows(card, evaluation),
        "confusion": confusion_rows((evaluation or {}).get("confusion")),
        "baselines": (evaluation or {}).get("baselines") or [],
        "numbers": (evaluation or {}).get("numbers") or {},
        "images": {name.split(".")[0]: report_image(name) is not None for name in REPORT_IMAGES},
        "reports_dir": str(reports_dir()),
    }


def _first(*values):
    return next((v for v in values if v is not None), None)


def per_class_rows(card: dict | None, evaluation: dict | None) -> list[dict]:
    shipped = (card or {}).get("per_class_accuracy") or {}
    evaluated = (evaluation or {}).get("per_class") or {}
    if not shipped and not evaluated:
        return []
    return [{"digit": d, "card": shipped.get(d), "evaluation": evaluated.get(d)} for d in DIGITS]


def confusion_rows(matrix) -> list[dict]:
    """Rows of the 10x10 matrix with each cell's share of its row, for an HTML fallback."""
    if not matrix or len(matrix) != 10:
        return []
    rows = []
    for digit, counts in zip(DIGITS, matrix, strict=False):
        total = sum(counts) or 1
        rows.append({"digit": digit, "cells": [{"count": c, "share": c / total} for c in counts]})
    return rows


def field_accuracy(pairs: Iterable[tuple[str, str]]) -> dict:
    """How often teachers corrected finished readings, overall and by digit.

    `pairs` are (machine reading, teacher correction) of done predictions. A prediction
    counts as corrected when the correction, spaces ignored, differs from the reading.
    By digit: when both strings have the same length they are compared position by
    position, and each digit the machine read counts as corrected if the teacher changed
    it. Corrections of another length cannot be aligned; they count in the overall share
    and in `unaligned`, but not by digit.
    """
    read, changed = Counter(), Counter()
    total = corrected = unaligned = 0
    for number, correction in pairs:
        total += 1
        machine, teacher = _digits(number), _digits(correction)
        is_corrected = bool(teacher) and teacher != machine
        corrected += is_corrected
        if is_corrected and len(teacher) != len(machine):
            unaligned += 1
            continue
        for position, digit in enumerate(machine):
            read[digit] += 1
            changed[digit] += is_corrected and teacher[position] != digit
    return {
        "predictions": total,
        "corrected": corrected,
        "share": corrected / total if total else None,
        "unaligned": unaligned,
        "by_digit": [
            {
                "digit": d,
                "read": read[d],
                "corrected": changed[d],
                "share": changed[d] / read[d] if read[d] else None,
            }
            for d in DIGITS
        ],
    }


def _digits(text: str) -> str:
    return "".join(ch for ch in (text or "") if not ch.isspace())


def field_accuracy_from_db() -> dict:
    from predictor.models import Prediction

    pairs = (
        Prediction.objects.filter(status=Prediction.Status.DONE)
        .values_list("number", "corrected_number")
        .iterator(chunk_size=2000)
    )
    return field_accuracy(pairs)
