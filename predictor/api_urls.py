from django.urls import include, path
from rest_framework.routers import SimpleRouter

from predictor.api import PredictionViewSet

router = SimpleRouter()
router.register("predictions", PredictionViewSet, basename="api-prediction")

urlpatterns = [path("", include((router.urls, "predictor-api")))]
