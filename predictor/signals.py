"""Signals other apps listen to."""

from django.dispatch import Signal

# Sent with sender=Prediction, prediction=<instance> once a reading ends as done or failed,
# after the result is committed. Receivers' errors are logged, never fatal to the reading.
prediction_finished = Signal()
