"""Grading work whose enqueue or receiver was lost; grading.tasks.sweep finishes it.

An audio export still pending after the grace lost its task (Redis down when it was requested,
its worker killed). A submission whose reading finished without a grading lost its receiver
(the database dropped inside the worker, the worker died between the two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from grading.models import AudioExport, Submission

EXPIRED_MESSAGE = "This export could not be finished. Please start a new one."


@dataclass
class LostWork:
    exports: list = field(default_factory=list)
    submissions: list = field(default_factory=list)
    expired: int = 0


def find_lost_work(now=None) -> LostWork:
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.DIGITSIGHT_LOST_AFTER_SECONDS)
    window = now - timedelta(seconds=settings.DIGITSIGHT_SWEEP_WINDOW_SECONDS)
    return LostWork(
        exports=_lost_exports(grace, window),
        submissions=_ungraded_submissions(grace),
        expired=_expire_exports(window),
    )


def _lost_exports(grace, window) -> list:
    pending = AudioExport.objects.filter(
        status=AudioExport.Status.PENDING, created_at__lt=grace, created_at__gte=window
    )
    return list(pending.values_list("pk", flat=True))


def _expire_exports(window) -> int:
    # Too old to be worth finishing: say so instead of spinning for ever.
    return AudioExport.objects.filter(status=AudioExport.Status.PENDING, created_at__lt=window).update(
        status=AudioExport.Status.FAILED, error=EXPIRED_MESSAGE, finished_at=timezone.now()
    )


def _ungraded_submissions(grace) -> list:
    finished = Q(prediction__status__in=("done", "failed")) & (
        Q(prediction__finished_at__lt=grace) | Q(prediction__finished_at__isnull=True)
    )
    never_graded = Q(status__in=(Submission.Status.PENDING, Submission.Status.PROCESSING))
    # Graded, then read again (a re-run) without the new reading reaching the grade.
    stale_grade = Q(prediction__status="done", graded_at__lt=F("prediction__finished_at"))
    lost = Submission.objects.filter(finished & (never_graded | stale_grade))
    return list(lost.values_list("pk", flat=True))
