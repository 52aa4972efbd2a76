"""Teacher-facing pages. Every object comes through predictor.access, so strangers get 404s."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digitsight.middleware import file_too_large_message
from digitsight.responses import nosniff
from predictor import services
from predictor.access import get_prediction_for_user, own_uploads
from predictor.forms import CorrectionForm, HistoryFilterForm, UploadForm
from predictor.live import history_state
from predictor.models import Batch, Prediction
from predictor.presenters import detail_context
from predictor.upload_handlers import oversized_files
from predictor.uploads import is_pdf_name

IN_FLIGHT = (Prediction.Status.PENDING, Prediction.Status.PROCESSING)
HISTORY_FIELDS = (
    "id", "original_name", "page", "status", "number", "corrected_number", "confidence",
    "needs_review", "created_at", "finished_at", "error", "batch_id",
)  # fmt: skip


@login_required
@require_GET
def history(request):
    return render(request, "predictor/history.html", _history_context(request))


def _history_context(request) -> dict:
    form = HistoryFilterForm(request.GET or None)
    queryset = form.filter(own_uploads(request.user)).only(*HISTORY_FIELDS)
    page = Paginator(queryset.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "form": form,
        "page": page,
        "rows": rows,
        "batches": _batches_in_flight(request.user),
        "query": query.urlencode(),
        "live": history_state(request.user),
    }


def _batches_in_flight(user) -> list[dict]:
    """Progress of the owner's recent batches that still have readings to do (one query)."""
    batches = (
        Batch.objects.filter(owner=user, predictions__status__in=IN_FLIGHT)
        .distinct()
        .order_by("-created_at")[:3]
    )
    counted = Batch.objects.filter(pk__in=[b.pk for b in batches]).annotate(
        total=Count("predictions"),
        finished=Count("predictions", filter=~Q(predictions__status__in=IN_FLIGHT)),
    )
    return [
        {"batch": b, "total": b.total, "finished": b.finished, "percent": round(100 * b.finished / b.total)}
        for b in counted.order_by("-created_at")
        if b.total
    ]


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm()
    if request.method == "GET":
        return render(request, "predictor/upload.html", {"form": form})
    files = form.files_to_read(request.FILES)
    # Files skipped as they arrived, for being over the size limit (predictor.upload_handlers).
    oversized = [(name, file_too_large_message()) for name in oversized_files(request)]
    if not files:
        return _upload_errors(
            request, form, oversized or [("", "Choose at least one photo, scan or PDF.")], []
        )
    created, errors = _store_uploads(request.user, files)
    if oversized or errors:
        return _upload_errors(request, form, oversized + errors, created)
    # Only what stays true: the page's own status badges say "reading" and then "done".
    messages.success(request, _uploaded_message(created))
    if len(created) == 1:
        return redirect("predictor:detail", pk=created[0].pk)
    return redirect("predictor:history")


def _uploaded_message(created: list[Prediction]) -> str:
    if len(created) == 1:
        return f"Uploaded “{created[0].original_name or 'your image'}”."
    return f"Uploaded {len(created)} pages. Each one's status is shown below."


def _store_uploads(user, files) -> tuple[list[Prediction], list[tuple[str, str]]]:
    batch = Batch.objects.create(owner=user) if len(files) > 1 or _maybe_pdf(files[0]) else None
    created, errors = [], []
    for uploaded in files:
        try:
            created += services.create_predictions(user, uploaded, batch=batch)
        except services.UploadRejected as exc:
            errors.append((os.path.basename(uploaded.name or "file"), str(exc)))
    if batch and not created:
        batch.delete()
    return created, errors


def _maybe_pdf(uploaded) -> bool:
    uploaded.seek(0)
    head = uploaded.read(5)
    uploaded.seek(0)
    return head == b"%PDF-"


def _upload_errors(request, form, errors, created):
    context = {"form": form, "errors": errors, "created": created}
    return render(request, "predictor/upload.html", context, status=400)


@login_required
@require_GET
def detail(request, pk):
    return _render_detail(request, pk, "predictor/detail.html")


def _render_detail(request, pk, template: str):
    prediction = get_prediction_for_user(request.user, pk)
    form = CorrectionForm(initial={"corrected_number": prediction.shown_number})
    return render(request, template, detail_context(prediction, form))


@login_required
@require_GET
def image(request, pk):
    return image_response(get_prediction_for_user(request.user, pk), request)


@login_required
@require_GET
def audio(request, pk):
    return audio_response(get_prediction_for_user(request.user, pk), request)


def audio_response(prediction: Prediction, request):
    if not prediction.audio:
        raise Http404("No readout yet.")
    wav = prediction.audio.name.endswith(".wav")
    content_type = "audio/wav" if wav else "audio/mpeg"
    name = _download_name(prediction, "wav" if wav else "mp3", suffix="-readout")
    return _file_response(prediction.audio, content_type, name, request)


def image_response(prediction: Prediction, request):
    if is_pdf_name(prediction.image.name):
        raise Http404("This PDF page is still being prepared; try again in a moment.")
    return _file_response(prediction.image, "image/png", _download_name(prediction, "png"), request)


def _file_response(field, content_type: str, filename: str, request):
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    download = request.GET.get("download") == "1"
    response = FileResponse(handle, content_type=content_type, as_attachment=download, filename=filename)
    if not download:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return nosniff(response, max_age=3600)


def _download_name(prediction: Prediction, extension: str, suffix: str = "") -> str:
    stem = os.path.splitext(prediction.original_name or "prediction")[0]
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:80] or "prediction"
    page = f"-p{prediction.page}" if prediction.page else ""
    return f"{stem}{page}{suffix}.{extension}"


@login_required
@require_POST
def correct(request, pk):
    prediction = get_prediction_for_user(request.user, pk)
    if "reset" in request.POST:
        services.set_correction(prediction, "")
        messages.info(request, "Correction removed: showing the original reading.")
        return redirect(prediction_url(prediction))
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return render(request, "predictor/detail.html", detail_context(prediction, form), status=400)
    corrected = form.cleaned_data["corrected_number"]
    # Saving the machine's own reading is not a correction.
    services.set_correction(prediction, "" if corrected == prediction.number else corrected)
    messages.success(request, "Correction saved.")
    return redirect(prediction_url(prediction))


@login_required
@require_POST
def rerun(request, pk):
    prediction = get_prediction_for_user(request.user, pk)
    services.rerun_prediction(prediction)
    messages.info(request, "Reading the image again…")
    return redirect(prediction_url(prediction))


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    prediction = get_prediction_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "predictor/confirm_delete.html", {"prediction": prediction})
    with transaction.atomic():
        services.delete_prediction(prediction)
    messages.success(request, "Prediction deleted.")
    return redirect("predictor:history")


def prediction_url(prediction: Prediction) -> str:
    return reverse("predictor:detail", kwargs={"pk": prediction.pk})
