"""The reading pipeline the Celery tasks call: claim, read, store, announce.

A reading is owned by the task that claimed it (`claimed_by`): only that task
may store a result, so a duplicate delivery or a second run cannot produce two.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from predictor.models import Prediction
from predictor.signals import prediction_finished
from predictor.uploads import UploadRejected, is_pdf_name, render_pdf_page

log = logging.getLogger(__name__)

# Worth another try later: the database or the network hiccuped, not the image.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)

CRASH_MESSAGE = (
    "The reader could not process this image ({kind}). Try “Re-run”; if it fails again, "
    "take a sharper, well-lit photo of the numbers."
)
ENGINE_MESSAGE = "The reading engine is not available right now. Try “Re-run” in a few minutes."
TIMEOUT_MESSAGE = "Reading this image took too long. Try a smaller photo or a single page."


def load_reader():
    """The process-wide reader. Only ever called inside a worker task, so it loads after fork."""
    return import_string(settings.DIGITSIGHT_READER)()


def read(prediction_id, token: str | None = None) -> str:
    """Read one prediction. Returns "done", "failed" or "skipped" (not ours / already finished)."""
    token = token or uuid.uuid4().hex
    prediction = claim(prediction_id, token)
    if prediction is None:
        return "skipped"
    try:
        result, version = _run_reader(prediction)
    except TRANSIENT_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        return finish_failed(prediction.pk, token, TIMEOUT_MESSAGE)
    except Exception as exc:
        return finish_failed(prediction.pk, token, _failure_message(exc))
    return finish_done(prediction.pk, token, result, version)


def claim(prediction_id, token: str) -> Prediction | None:
    """Mark the prediction processing for `token`, or return None if someone else owns it."""
    if not _is_uuid(prediction_id):
        return None
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DIGITSIGHT_STUCK_AFTER_SECONDS)
    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=prediction_id).first()
        if prediction is None or not _claimable(prediction, token, stale):
            return None
        if prediction.attempts >= settings.DIGITSIGHT_MAX_ATTEMPTS:
            # Every claim so far ended without a result: the image kills the reader process
            # (a native crash is redelivered by reject_on_worker_lost), so stop the loop here.
            _set_aside(prediction)
            return None
        prediction.status = Prediction.Status.PROCESSING
        prediction.claimed_by = token
        prediction.started_at = now
        prediction.attempts += 1
        prediction.error = ""
        prediction.save(update_fields=["status", "claimed_by", "started_at", "attempts", "error"])
    return prediction


def _claimable(prediction: Prediction, token: str, stale) -> bool:
    if prediction.status == Prediction.Status.PENDING:
        return True
    if prediction.status != Prediction.Status.PROCESSING:
        return False
    # Our own retry or redelivery, or an owner that died long ago.
    return prediction.claimed_by == token or not prediction.started_at or prediction.started_at < stale


POISON_MESSAGE = (
    "Reading this image stopped the reader {attempts} times, so it was set aside. Try “Re-run”; "
    "if it fails again, take a sharper, well-lit photo of the numbers."
)


def _set_aside(prediction: Prediction) -> None:
    prediction.status = Prediction.Status.FAILED
    prediction.error = POISON_MESSAGE.format(attempts=prediction.attempts)
    prediction.finished_at = timezone.now()
    prediction.save(update_fields=["status", "error", "finished_at"])
    log.error("prediction %s set aside after %s attempts", prediction.pk, prediction.attempts)
    transaction.on_commit(lambda: _announce(prediction))


class EngineUnavailable(RuntimeError):
    """The reader cannot start (e.g. no model file yet): not the image's fault."""


# Apps that read some pages their own way register `(reader, prediction, data) -> dict | None`
# here in AppConfig.ready() (worksheets: a class page read area by area against its worksheet).
# The first that returns a result wins; None means "not mine". Like a signal, it keeps this
# layer from importing the apps above it.
PAGE_READERS: list = []


def _run_reader(prediction: Prediction) -> tuple[dict, str]:
    try:
        reader = load_reader()
    except (OSError, ImportError) as exc:
        raise EngineUnavailable(str(exc)) from exc
    with prediction.image.open("rb") as handle:
        data = handle.read()
    if is_pdf_name(prediction.image.name):
        data = _render_page(prediction, data)
    inject_fault(prediction.pk)
    version = str(getattr(reader, "model_version", ""))
    for page_reader in PAGE_READERS:
        result = page_reader(reader, prediction, data)
        if result is not None:
            return result, version
    return reader.read(data), version


def _render_page(prediction: Prediction, pdf: bytes) -> bytes:
    """Render this prediction's page of its stored PDF, keep the PNG, let go of the PDF."""
    from django.core.files.base import ContentFile

    page = render_pdf_page(pdf, prediction.page or 1)
    image = prediction.image
    pdf_name, storage = image.name, image.storage
    png_name = storage.save(image.field.generate_filename(prediction, "page.png"), ContentFile(page.png))
    moved = Prediction.objects.filter(pk=prediction.pk, image=pdf_name).update(
        image=png_name, width=page.width, height=page.height
    )
    if not moved:  # a concurrent run rendered it first
        storage.delete(png_name)
    if not Prediction.objects.filter(image=pdf_name).exists():
        storage.delete(pdf_name)  # the last page rendered: nothing refers to the PDF now
    return page.png


def _failure_message(exc: Exception) -> str:
    from ml.load import UnreadableImage

    if isinstance(exc, (UnreadableImage, UploadRejected)):
        return str(exc) or "The image could not be read."
    if isinstance(exc, EngineUnavailable):
        log.error("reader unavailable: %s", exc)
        return ENGINE_MESSAGE
    log.exception("reader crashed", exc_info=exc)
    return CRASH_MESSAGE.format(kind=type(exc).__name__)


def summarize(result: dict) -> dict:
    """The columns derived from a reader result."""
    numbers = result.get("numbers") or []
    confidence = min((float(n["confidence"]) for n in numbers), default=None)
    threshold = settings.DIGITSIGHT_REVIEW_THRESHOLD
    needs_review = bool(result.get("needs_review")) or not numbers or confidence < threshold
    return {
        "number": " ".join(str(n["number"]) for n in numbers)[:1000],
        "confidence": confidence,
        "needs_review": needs_review,
    }


def finish_done(prediction_id, token: str, result: dict, version: str) -> str:
    result = _jsonable(result)
    fields = {"status": Prediction.Status.DONE, "result": result, "model_version": version[:64]}
    fields.update(summarize(result))
    return _finish(prediction_id, token, fields)


def finish_failed(prediction_id, token: str, message: str) -> str:
    return _finish(prediction_id, token, {"status": Prediction.Status.FAILED, "error": message})


def _finish(prediction_id, token: str, fields: dict) -> str:
    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=prediction_id).first()
        if prediction is None or prediction.status != Prediction.Status.PROCESSING:
            return "skipped"
        if prediction.claimed_by != token:
            return "skipped"  # re-run or taken over meanwhile: the newer reading wins
        for name, value in fields.items():
            setattr(prediction, name, value)
        prediction.finished_at = timezone.now()
        prediction.save()
        transaction.on_commit(lambda: _announce(prediction))
    return prediction.status


def _announce(prediction: Prediction) -> None:
    # Only facts go up from here: the task that called read() queues the readout.
    for receiver, response in prediction_finished.send_robust(sender=Prediction, prediction=prediction):
        if isinstance(response, Exception):
            log.error("prediction_finished receiver %r failed", receiver, exc_info=response)


def _jsonable(result: dict) -> dict:
    # Readers built on numpy may hand back numpy scalars; JSONField wants plain types.
    def convert(value):
        if hasattr(value, "tolist"):
            return value.tolist()
        if hasattr(value, "item"):
            return value.item()
        raise TypeError(f"not JSON serializable: {type(value)}")

    return json.loads(json.dumps(result, default=convert))


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- Fault injection for tests of the retry path (off unless DIGITSIGHT_FAULT_INJECTION).

FAULTS = {
    "operational": lambda: OperationalError("injected: database went away"),
    "crash": lambda: RuntimeError("injected: reader crashed"),
}


def plan_fault(prediction_id, kind: str, times: int = 1) -> None:
    """Make the next `times` readings of this prediction raise the given fault."""
    key = f"predictor:fault:{prediction_id}"
    cache.set(key, kind, 3600)
    cache.set(f"{key}:left", times, 3600)


def inject_fault(prediction_id) -> None:
    if not settings.DIGITSIGHT_FAULT_INJECTION:
        return
    key = f"predictor:fault:{prediction_id}"
    kind = cache.get(key)
    if kind is None:
        return
    try:
        left = cache.decr(f"{key}:left")
    except ValueError:
        return
    if left >= 0:
        raise FAULTS[kind]()


# --- Sweeper: finds work whose enqueue was lost; predictor.tasks.sweep queues it again.


@dataclass
class LostWork:
    readings: list = field(default_factory=list)
    audio: list = field(default_factory=list)
    failed: int = 0


def find_lost_work(now=None) -> LostWork:
    """Readings stuck in pending/processing and done readings without their readout.

    Readings that kept failing are marked failed here instead of being handed back.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DIGITSIGHT_STUCK_AFTER_SECONDS)
    stuck = Prediction.objects.filter(status=Prediction.Status.PENDING, created_at__lt=stale) | (
        Prediction.objects.filter(status=Prediction.Status.PROCESSING, started_at__lt=stale)
    )
    work = LostWork(audio=_missing_audio(now))
    for pk, attempts in stuck.values_list("pk", "attempts"):
        if attempts >= settings.DIGITSIGHT_MAX_ATTEMPTS:
            _give_up(pk, attempts, stale)
            work.failed += 1
        else:
            work.readings.append(pk)
    return work


def _missing_audio(now) -> list:
    # A readout's task normally runs seconds after the reading or the correction: one still
    # missing after the grace was lost (Redis down at on_commit, its worker killed). The window
    # keeps a readout that can never be made (no speech engine) from being retried for ever.
    grace = now - timedelta(seconds=settings.DIGITSIGHT_LOST_AFTER_SECONDS)
    window = now - timedelta(seconds=settings.DIGITSIGHT_SWEEP_WINDOW_SECONDS)
    missing = Prediction.objects.filter(
        status=Prediction.Status.DONE, audio="", finished_at__lt=grace, finished_at__gte=window
    )
    return list(missing.values_list("pk", flat=True))


def _give_up(pk, attempts: int, stale) -> None:
    message = f"Reading failed {attempts} times because of a server problem. Try “Re-run” later."
    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=pk).first()
        if prediction is None or prediction.status not in (
            Prediction.Status.PENDING,
            Prediction.Status.PROCESSING,
        ):
            return
        prediction.status = Prediction.Status.FAILED
        prediction.error = message
        prediction.finished_at = timezone.now()
        prediction.save(update_fields=["status", "error", "finished_at"])
        transaction.on_commit(lambda: _announce(prediction))


# --- Audio readout


def language_of(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or "en"


def readout_for(prediction: Prediction, language: str) -> str:
    from predictor.audio import lines_of, readout_text

    if prediction.corrected_number:
        return readout_text([prediction.corrected_number.split()], language)
    return readout_text(lines_of(prediction.result), language)


def make_audio(prediction_id) -> str:
    """Store the spoken readout of a done prediction once. Returns the engine or "skipped"."""
    from predictor.audio import make_readout

    if not _is_uuid(prediction_id):
        return "skipped"
    prediction = Prediction.objects.select_related("owner__profile").filter(pk=prediction_id).first()
    if prediction is None or prediction.status != Prediction.Status.DONE or prediction.audio:
        return "skipped"
    language = language_of(prediction.owner)
    text = readout_for(prediction, language)
    data, content_type, engine = make_readout(text, language)
    return _store_audio(prediction.pk, text, data, content_type, engine, language)


def _store_audio(pk, text: str, data: bytes, content_type: str, engine: str, language: str) -> str:
    from django.core.files.base import ContentFile

    extension = "mp3" if content_type == "audio/mpeg" else "wav"
    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=pk).first()
        # A concurrent run stored one already, or a correction changed what to say.
        if prediction is None or prediction.audio or readout_for(prediction, language) != text:
            return "skipped"
        prediction.audio.save(f"readout.{extension}", ContentFile(data), save=False)
        prediction.audio_language = language
        prediction.audio_engine = engine
        prediction.save(update_fields=["audio", "audio_language", "audio_engine"])
    return engine
