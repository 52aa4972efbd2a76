from django.apps import AppConfig


class WorksheetsConfig(AppConfig):
    name = "worksheets"

    def ready(self):
        from predictor.reading import PAGE_READERS
        from predictor.signals import prediction_finished
        from worksheets.reading import read_for_prediction
        from worksheets.receivers import on_prediction_finished

        prediction_finished.connect(on_prediction_finished, dispatch_uid="worksheets.on_prediction_finished")
        if read_for_prediction not in PAGE_READERS:
            PAGE_READERS.append(read_for_prediction)
