from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self):
        from predictor.signals import prediction_finished

        from grading.receivers import on_prediction_finished

        prediction_finished.connect(on_prediction_finished, dispatch_uid="grading.on_prediction_finished")
