"""What the web views, the API and other apps call to create and change predictions."""

from __future__ import annotations

import logging
import uuid

from django.core.files.base import ContentFile
from django.db import transaction

from predictor.models import Batch, Prediction
from predictor.tasks import enqueue_audio, enqueue_reading
from predictor.uploads import UploadRejected, check_upload

__all__ = [
    "UploadRejected",
    "clean_name",
    "create_predictions",
    "delete_prediction",
    "enqueue_audio",
    "enqueue_reading",
    "rerun_prediction",
    "set_correction",
]

log = logging.getLogger(__name__)


def create_predictions(
    owner, uploaded_file, batch: Batch | None = None, queue: str | None = None
) -> list[Prediction]:
    """Validate, store one Prediction per page and enqueue their reading. Raises UploadRejected.

    A PDF is stored once, and each page's worker renders its own page from it.
    `queue` overrides the reading's route (digitsight/queues.py): class uploads go to "pages".
    """
    checked = check_upload(uploaded_file)
    name = clean_name(getattr(uploaded_file, "name", "") or "")
    stored_files: list[str] = []
    storage = Prediction._meta.get_field("image").storage
    stored: list[Prediction] = []
    try:
        with transaction.atomic():
            pdf_name = storage.save(pdf_path(owner), ContentFile(checked.pdf)) if checked.pdf else None
            stored_files += [pdf_name] if pdf_name else []
            for page in checked.pages:
                prediction = Prediction(
                    owner=owner, batch=batch, original_name=name, page=page.page,
                    width=page.width, height=page.height,
                )  # fmt: skip
                if page.png is None:
                    prediction.image.name = pdf_name
                else:
                    prediction.image.save("page.png", ContentFile(page.png), save=False)
                    stored_files.append(prediction.image.name)
                stored.append(prediction)
                prediction.save()
                enqueue_reading(prediction.pk, queue=queue)
    except Exception:
        # The rows rolled back: do not leave their files behind.
        for file_name in stored_files:
            storage.delete(file_name)
        raise
    return stored


def pdf_path(owner) -> str:
    # Never the client's file name in the path: it is stored in original_name.
    return f"pdfs/{owner.pk}/{uuid.uuid4().hex}.pdf"


def clean_name(name: str, limit: int = 255) -> str:
    """The client's file name made safe to store and show: last path part, printable, bounded.

    Django's multipart parser already cleans names, but callers that build files themselves
    do not: Postgres refuses NUL bytes (a 500) and control characters can break headers.
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension


def set_correction(prediction: Prediction, corrected_number: str) -> Prediction:
    """Store the teacher's correction (blank resets to the machine's reading)."""
    corrected = " ".join(corrected_number.split())
    if corrected == prediction.corrected_number:
        return prediction
    old_audio = (prediction.audio.storage, prediction.audio.name) if prediction.audio else None
    with transaction.atomic():
        prediction.corrected_number = corrected
        # The readout must say what the teacher sees: drop it and make a new one.
        prediction.audio = ""
        prediction.audio_language = prediction.audio_engine = ""
        prediction.save(update_fields=["corrected_number", "audio", "audio_language", "audio_engine"])
        if old_audio:
            transaction.on_commit(lambda: old_audio[0].delete(old_audio[1]), robust=True)
        if prediction.status == Prediction.Status.DONE:
            enqueue_audio(prediction.pk)
    return prediction


def rerun_prediction(prediction: Prediction) -> Prediction:
    """Read the image again from scratch, e.g. after the model was retrained."""
    old_audio = (prediction.audio.storage, prediction.audio.name) if prediction.audio else None
    with transaction.atomic():
        # Clearing claimed_by disowns a reading in flight: its result will be discarded.
        Prediction.objects.filter(pk=prediction.pk).update(
            status=Prediction.Status.PENDING, error="", claimed_by="", started_at=None, finished_at=None,
            attempts=0,  # a teacher's re-run starts a fresh budget of attempts
            audio="", audio_language="", audio_engine="",
        )  # fmt: skip
        if old_audio:
            transaction.on_commit(lambda: old_audio[0].delete(old_audio[1]), robust=True)
        enqueue_reading(prediction.pk)
    prediction.refresh_from_db()
    return prediction


def delete_prediction(prediction: Prediction) -> None:
    """Delete the row, then its files once the deletion is committed."""
    files = [f for f in (prediction.image, prediction.audio) if f]
    names = [(f.storage, f.name) for f in files]
    with transaction.atomic():
        prediction.delete()
        transaction.on_commit(lambda: [delete_unused(storage, name) for storage, name in names], robust=True)


def delete_unused(storage, name: str) -> None:
    # A PDF not yet rendered is shared by its pages: the last one to let go deletes it.
    if not Prediction.objects.filter(image=name).exists():
        storage.delete(name)
