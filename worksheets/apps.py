from django.apps import AppConfig


class WorksheetsConfig(AppConfig):
    name = "worksheets"

    def ready(self):
        from predictor.signals import prediction_finished
        from worksheets.receivers import on_prediction_finished

        prediction_finished.connect(on_prediction_finished, dispatch_uid="worksheets.on_prediction_finished")
