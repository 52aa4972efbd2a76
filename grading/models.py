import uuid

from django.conf import settings
from django.db import models

from grading import scoring


class Assignment(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    class_name = models.CharField(max_length=100, blank=True)
    # Ordered expected answers, one per question, as canonical strings ("12", "-3.5").
    answer_key = models.JSONField(default=list)
    # Points per question (same length as the key); null means one point each.
    points = models.JSONField(null=True, blank=True)
    # Answers compare as numbers; with a tolerance |read - expected| <= tolerance counts as correct.
    tolerance = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # A fraction answer ("3/4") also counts in another form ("0.75", "6/8").
    fraction_equivalence = models.BooleanField(
        "Accept equivalent fractions and decimals",
        default=False,
        help_text="On: 3/4, 6/8 and 0.75 are one answer. Off: a fraction must be written as in the key.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return self.title

    def key(self) -> scoring.Key:
        return scoring.Key(self.answer_key, self.points, self.tolerance, self.fraction_equivalence)

    @property
    def max_score(self) -> float:
        return self.key().max_score


class Collaborator(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer (read only)"
        GRADER = "grader", "Grader (upload and override)"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="collaborators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment_id", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="one_role_per_user_and_assignment")
        ]

    def __str__(self):
        return f"{self.user} on {self.assignment} ({self.role})"


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        GRADED = "graded"
        FAILED = "failed"
        # The page does not match the worksheet (another sheet, blurred): never graded 0 in silence.
        NEEDS_ATTENTION = "needs_attention"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.CharField(max_length=200)
    # Set when the page was matched to the class list (by the ID read on it, or by the teacher).
    roster_student = models.ForeignKey(
        "grading.RosterStudent", null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    # The page's reading. Owned by the assignment's owner so files stay with the class.
    prediction = models.OneToOneField(
        "predictor.Prediction", on_delete=models.CASCADE, related_name="submission"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Why a page needs attention, in words a teacher can act on.
    reason = models.TextField(blank=True)
    # A worksheet page read area by area (worksheets.reading): {"aligned", "answers": [{"name",
    # "number", "confidence", "box", "crop"}], "student_id": {...}, "sheet": ...}; empty for line pages.
    page_reading = models.JSONField(default=dict, blank=True)
    # Derived from the reading + overrides by grading.scoring.grade(); see Answer.as_dict().
    answers = models.JSONField(default=list, blank=True)
    # Numbers read beyond the last question: shown, never graded.
    extra_answers = models.JSONField(default=list, blank=True)
    # Teacher decisions by question number ("2": {"predicted": "7"} / {"correct": true}).
    # Kept apart from answers so a re-grade after a new reading keeps them.
    overrides = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    # The teacher looked at it: clears needs_review, the reasons stay visible.
    reviewed = models.BooleanField(default=False)
    review_reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["student", "created_at"]
        indexes = [
            models.Index(fields=["assignment", "student"]),
            models.Index(fields=["assignment", "needs_review"]),
        ]

    def __str__(self):
        return f"{self.student} — {self.assignment}"


class RosterStudent(models.Model):
    """One student on a teacher's class list; the ID is what the answer sheet's boxes carry."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster")
    name = models.CharField(max_length=200)
    student_id = models.CharField(max_length=32)
    class_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "student_id"], name="one_student_per_id_and_teacher")
        ]

    def __str__(self):
        return f"{self.name} ({self.student_id})"


class AudioExport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="audio_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"audio export {self.pk} ({self.status})"
