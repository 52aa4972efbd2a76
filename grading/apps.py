from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self):
        from grading.receivers import on_prediction_finished
        from predictor.signals import prediction_finished

        prediction_finished.connect(on_prediction_finished, dispatch_uid="grading.on_prediction_finished")
