"""A finished page reading of a worksheet assignment is read again, area by area, in a worker."""

from worksheets import services


def on_prediction_finished(sender, prediction, **kwargs):
    services.enqueue_page_reading_for(prediction)
