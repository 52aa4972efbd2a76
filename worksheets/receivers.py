"""A finished reading of a worksheet page grades it; a page read the plain way is read again."""

from worksheets import reading, services


def on_prediction_finished(sender, prediction, **kwargs):
    if prediction.status != "done":
        return
    submission = reading.worksheet_submission(prediction.pk)
    if submission is None:
        return
    page = (prediction.result or {}).get("worksheet")
    if page is None:
        # Read before the worksheet was set up (or by a reader that knows no worksheets).
        services.reread(submission)
    else:
        reading.store(submission, page)
