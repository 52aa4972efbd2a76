import uuid

from django.conf import settings
from django.db import models


def image_path(instance, filename):
    # Never the client's file name in the path: it is stored in original_name.
    return f"images/{instance.owner_id}/{uuid.uuid4().hex}.png"


def audio_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "mp3"
    return f"audio/{instance.owner_id}/{uuid.uuid4().hex}.{ext}"


class Batch(models.Model):
    """Files uploaded together, so the history can show one progress bar."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"batch {self.pk}"


class Prediction(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="predictions")
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="predictions"
    )
    image = models.FileField(upload_to=image_path)
    original_name = models.CharField(max_length=255, blank=True)
    page = models.PositiveIntegerField(null=True, blank=True, help_text="PDF page, 1-based")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The Celery task that owns the current reading: only it may store a result.
    claimed_by = models.CharField(max_length=64, blank=True)

    result = models.JSONField(default=dict, blank=True)
    number = models.CharField(max_length=1000, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    corrected_number = models.CharField(max_length=1000, blank=True)
    model_version = models.CharField(max_length=64, blank=True)

    audio = models.FileField(upload_to=audio_path, blank=True)
    audio_language = models.CharField(max_length=8, blank=True)
    audio_engine = models.CharField(max_length=16, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self):
        return f"{self.original_name or self.pk} ({self.status})"

    @property
    def shown_number(self):
        """What the teacher sees: their correction, else the machine's reading."""
        return self.corrected_number or self.number
