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


def drop_files(sender, instance, **kwargs):
    """A deleted page takes its answer crops along, a deleted worksheet its template (on commit)."""
    from django.core.files.storage import default_storage
    from django.db import transaction

    if hasattr(instance, "page_reading"):
        names = [a["crop"] for a in (instance.page_reading or {}).get("answers") or [] if a.get("crop")]
    else:
        names = [instance.template.name] if instance.template else []
    if names:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names], robust=True)
