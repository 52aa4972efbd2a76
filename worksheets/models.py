"""An assignment's worksheet: the blank template and its answer areas, or the printed answer sheet."""

import uuid

from django.db import models

from grading.models import Assignment


def template_path(instance, filename):
    return f"templates/{instance.assignment.owner_id}/{uuid.uuid4().hex}.png"


class Worksheet(models.Model):
    class Mode(models.TextChoices):
        TEMPLATE = "template"  # the teacher's own worksheet, read area by area
        SHEET = "sheet"  # DigitSight's printed answer sheet (markers, QR, ID boxes)

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, primary_key=True, related_name="worksheet"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.TEMPLATE)
    template = models.FileField(upload_to=template_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # [{"name": "1", "box": [x, y, w, h], "answer": "19", "points": 1.0}] in template pixels,
    # reading order. Areas named "student_id" or "name" identify the student, they are not graded.
    regions = models.JSONField(default=list, blank=True)
    # Our tag in the sheet's QR code (after the layout, see ml.sheet.SheetLayout.id): a photo is
    # tied back to this assignment by it.
    sheet_id = models.CharField(max_length=64, blank=True, db_index=True)
    sheet_layout = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"worksheet of {self.assignment}"

    @property
    def reads_template(self) -> bool:
        return self.mode == self.Mode.TEMPLATE and bool(self.template)

    @property
    def reads_sheet(self) -> bool:
        return self.mode == self.Mode.SHEET and bool(self.sheet_layout)
