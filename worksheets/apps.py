from django.apps import AppConfig


class WorksheetsConfig(AppConfig):
    name = "worksheets"

    def ready(self):
        from django.db.models.signals import post_delete

        from grading.models import Submission
        from predictor.reading import PAGE_READERS
        from predictor.signals import prediction_finished
        from worksheets.models import Worksheet
        from worksheets.reading import read_for_prediction
        from worksheets.receivers import drop_files, on_prediction_finished

        prediction_finished.connect(on_prediction_finished, dispatch_uid="worksheets.on_prediction_finished")
        post_delete.connect(drop_files, sender=Submission, dispatch_uid="worksheets.drop_crops")
        post_delete.connect(drop_files, sender=Worksheet, dispatch_uid="worksheets.drop_template")
        if read_for_prediction not in PAGE_READERS:
            PAGE_READERS.append(read_for_prediction)
