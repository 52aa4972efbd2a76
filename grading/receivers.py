"""React to the predictor: a finished reading grades its submission, if it has one."""

from grading.models import Submission
from grading.services import grade_submission


def on_prediction_finished(sender, prediction, **kwargs):
    # Grading is a few dictionary operations: do it right here in the worker, no extra task.
    submission_id = (
        Submission.objects.filter(prediction_id=prediction.pk).values_list("pk", flat=True).first()
    )
    if submission_id is not None:
        grade_submission(submission_id, new_reading=True)
