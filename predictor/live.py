"""What the pages poll while readings are in flight (static/js/live.js).

Each state is a `key` that changes whenever the page would show something new, and an
`in_flight` flag that tells the page whether to keep asking. Both come from one query, so
a poll every 150 ms costs the database little; the page itself is fetched again only when
the key changed.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from predictor.access import get_prediction_for_user, own_uploads
from predictor.models import Prediction

IN_FLIGHT = (Prediction.Status.PENDING, Prediction.Status.PROCESSING)
# The readout follows the reading within a second or two; past this a missing one has
# failed (the sweeper's business), and the page stops waiting for it.
AUDIO_WAIT = timedelta(minutes=2)


def _stamp(value) -> str:
    return value.isoformat() if value else "-"


def detail_state(prediction: Prediction) -> dict:
    key = "|".join(
        [prediction.status, _stamp(prediction.finished_at), prediction.audio.name or "-",
         prediction.corrected_number, str(prediction.attempts)]
    )  # fmt: skip
    return {
        "url": reverse("predictor:live_detail", kwargs={"pk": prediction.pk}),
        "key": key,
        "in_flight": prediction.status in IN_FLIGHT or _awaiting_audio(prediction),
    }


def _awaiting_audio(prediction: Prediction) -> bool:
    if prediction.status != Prediction.Status.DONE or prediction.audio:
        return False
    return prediction.finished_at is None or timezone.now() - prediction.finished_at < AUDIO_WAIT


def reading_json(prediction: Prediction) -> dict:
    """The reading as the detail page shows it, plus the polling state."""
    state = detail_state(prediction)
    return {
        "id": str(prediction.pk),
        "status": prediction.status,
        "number": prediction.number,
        "shown_number": prediction.shown_number,
        "confidence": prediction.confidence,
        "needs_review": prediction.needs_review,
        "error": prediction.error,
        "audio_url": reverse("predictor:audio", kwargs={"pk": prediction.pk}) if prediction.audio else "",
        "finished_at": prediction.finished_at.isoformat() if prediction.finished_at else None,
        "key": state["key"],
        "in_flight": state["in_flight"],
    }


def history_state(user) -> dict:
    """One aggregate over the teacher's own uploads (what history lists): new, finished or in flight."""
    figures = own_uploads(user).aggregate(
        total=Count("pk"),
        in_flight=Count("pk", filter=Q(status__in=IN_FLIGHT)),
        created=Max("created_at"),
        finished=Max("finished_at"),
    )
    counts = f"{figures['total']}|{figures['in_flight']}"
    key = f"{counts}|{_stamp(figures['created'])}|{_stamp(figures['finished'])}"
    return {"url": reverse("predictor:live_history"), "key": key, "in_flight": figures["in_flight"] > 0}


@never_cache
@login_required
@require_GET
def live_detail(request, pk):
    return JsonResponse(reading_json(get_prediction_for_user(request.user, pk)))


@never_cache
@login_required
@require_GET
def live_history(request):
    state = history_state(request.user)
    return JsonResponse({"key": state["key"], "in_flight": state["in_flight"]})
