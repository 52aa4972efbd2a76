"""Shape a prediction for the templates: confidence colours and SVG boxes."""

from __future__ import annotations

from django.urls import reverse

from predictor.live import detail_state
from predictor.models import Prediction


def confidence_class(confidence) -> str:
    """Green at 0.8 and above, amber from 0.5, red below (and when unknown)."""
    if confidence is None:
        return "conf-low"
    if confidence >= 0.8:
        return "conf-high"
    if confidence >= 0.5:
        return "conf-mid"
    return "conf-low"


def numbers_for_display(prediction: Prediction) -> list[dict]:
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
        "overall_css": confidence_class(prediction.confidence),
        "finished": prediction.status in (Prediction.Status.DONE, Prediction.Status.FAILED),
        "correction_form": correction_form,
        "image_url": reverse("predictor:image", kwargs={"pk": pk}),
        "audio_url": reverse("predictor:audio", kwargs={"pk": pk}) if prediction.audio else "",
        "audio_type": "audio/wav" if prediction.audio.name.endswith(".wav") else "audio/mpeg",
        "live": detail_state(prediction),
    }
