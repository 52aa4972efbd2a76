"""Every lookup of a prediction goes through here: strangers get a 404, never a 403."""

import uuid

from django.http import Http404

from predictor.models import Batch, Prediction


def predictions_for_user(user):
    if not getattr(user, "is_authenticated", False):
        return Prediction.objects.none()
    return Prediction.objects.filter(owner=user)


def own_uploads(user):
    """The teacher's own photos: a class upload's pages belong to their assignment's page
    (grading.Submission.prediction, related_name "submission"), not to personal history."""
    return predictions_for_user(user).filter(submission__isnull=True)


def get_prediction_for_user(user, pk) -> Prediction:
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        raise Http404("No such prediction.") from None
    try:
        return predictions_for_user(user).get(pk=pk)
    except Prediction.DoesNotExist:
        raise Http404("No such prediction.") from None


def get_batch_for_user(user, pk) -> Batch:
    try:
        pk = uuid.UUID(str(pk))
        if not getattr(user, "is_authenticated", False):
            raise Batch.DoesNotExist
        return Batch.objects.get(pk=pk, owner=user)
    except (ValueError, Batch.DoesNotExist):
        raise Http404("No such batch.") from None
