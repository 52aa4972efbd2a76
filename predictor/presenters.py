"""Shape a prediction for the templates: confidence colours and SVG boxes."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from predictor.live import detail_state
from predictor.models import Prediction

# Below this a reading is red whatever else is true: one digit in two is a guess.
DOUBTFUL = 0.5
CORRECTED = "conf-corrected"


def confidence_class(confidence, flagged: bool = False) -> str:
    """One rule for colour and review, so a flagged reading is never green.

    Green: at or above the review threshold and not flagged. Amber: flagged (or below the
    threshold) but at least DOUBTFUL. Red: below DOUBTFUL, or unknown.
    """
    if confidence is None:
        return "conf-low"
    if confidence >= settings.DIGITSIGHT_REVIEW_THRESHOLD and not flagged:
        return "conf-high"
    if confidence >= DOUBTFUL:
        return "conf-mid"
    return "conf-low"


def numbers_for_display(prediction: Prediction) -> list[dict]:
    if prediction.corrected_number:
        return _corrected_numbers(prediction)
    shown = []
    for index, item in enumerate(prediction.result.get("numbers") or [], 1):
        digits = [
            {**digit, "css": confidence_class(digit.get("confidence")), "percent": _percent(digit)}
            for digit in item.get("digits") or []
        ]
        shown.append(
            {
                "index": index,
                "number": item.get("number", ""),
                "line": int(item.get("line", 0)) + 1,
                "confidence": item.get("confidence"),
                "percent": _percent(item),
                "css": confidence_class(item.get("confidence")),
                "box": _box(item.get("box")),
                "digits": digits,
                "digit_boxes": [d for d in (_box(d.get("box")) for d in digits) if d],
            }
        )
    return shown


def _corrected_numbers(prediction: Prediction) -> list[dict]:
    """The teacher's digits, so the chips never contradict the correction; the machine's
    boxes stay on the page where a corrected number has one (same position in the list)."""
    machine = prediction.result.get("numbers") or []
    shown = []
    for index, number in enumerate(prediction.corrected_number.split(), 1):
        item = machine[index - 1] if index <= len(machine) else {}
        shown.append(
            {
                "index": index,
                "number": number,
                "line": int(item.get("line", index - 1)) + 1,
                "confidence": None,
                "percent": None,
                "css": CORRECTED,
                "corrected": True,
                "box": _box(item.get("box")),
                "digits": [{"digit": digit, "css": CORRECTED, "percent": None} for digit in number],
                "digit_boxes": [],
            }
        )
    return shown


def _percent(item: dict) -> int | None:
    value = item.get("confidence")
    return None if value is None else round(100 * float(value))


def _box(box) -> dict | None:
    if not box or len(box) != 4:
        return None
    x, y, w, h = (float(v) for v in box)
    return {"x": x, "y": y, "w": w, "h": h, "label_y": max(y - 4, 12)}


def detail_context(prediction: Prediction, correction_form) -> dict:
    pk = prediction.pk
    return {
        "prediction": prediction,
        "numbers": numbers_for_display(prediction),
        "overall_css": confidence_class(prediction.confidence, prediction.needs_review),
        "review_percent": round(100 * settings.DIGITSIGHT_REVIEW_THRESHOLD),
        "finished": prediction.status in (Prediction.Status.DONE, Prediction.Status.FAILED),
        "correction_form": correction_form,
        "image_url": reverse("predictor:image", kwargs={"pk": pk}),
        "audio_url": reverse("predictor:audio", kwargs={"pk": pk}) if prediction.audio else "",
        "audio_type": "audio/wav" if prediction.audio.name.endswith(".wav") else "audio/mpeg",
        "live": detail_state(prediction),
    }
