"""REST API for predictions. Objects come through predictor.access: strangers get 404s."""

import logging

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from predictor import services
from predictor.access import get_prediction_for_user, predictions_for_user
from predictor.serializers import PredictionSerializer, UploadResponseSerializer, UploadSerializer
from predictor.views import audio_response, image_response

BAD_FILE = OpenApiResponse(
    description='The file was rejected: `{"image": ["<reason a teacher can read>"]}`. Nothing is stored.'
)
NOT_FOUND = OpenApiResponse(description="No such prediction, or it belongs to someone else.")
log = logging.getLogger(__name__)


class UploadThrottle(ScopedRateThrottle):
    """Counts uploads in the cache (Redis), but lets them through when the cache is down.

    An upload is stored in Postgres and swept to the workers later, so a Redis outage must not
    turn it into a 500: losing the rate limit for a few minutes is the lesser harm.
    """

    def get_rate(self):
        # DRF copies the rates onto the class at import; read them live so a settings change
        # (an override in tests, a reload) takes effect and never leaks.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # redis-py and the cache backends raise several kinds
            log.warning("upload throttle skipped: cache unavailable (%s)", exc)
            return True


@extend_schema_view(
    list=extend_schema(summary="Your predictions, newest first (paginated)."),
    retrieve=extend_schema(summary="One prediction.", responses={200: PredictionSerializer, 404: NOT_FOUND}),
    partial_update=extend_schema(
        summary="Set or clear the teacher's correction (`corrected_number`).",
        responses={
            200: PredictionSerializer,
            400: OpenApiResponse(description="Not numbers and spaces."),
            404: NOT_FOUND,
        },
    ),  # fmt: skip
    destroy=extend_schema(summary="Delete a prediction, its image and its readout.", responses={204: None}),
)
class PredictionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PredictionSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    throttle_scope = "uploads"

    def get_queryset(self):
        return predictions_for_user(self.request.user).order_by("-created_at", "-id")

    def get_object(self):
        return get_prediction_for_user(self.request.user, self.kwargs["pk"])

    def get_throttles(self):
        # Only uploads are rate-limited: reading results stays cheap.
        return [UploadThrottle()] if self.action == "create" else []

    @extend_schema(
        summary="Upload an image or PDF; it is read in the background.",
        description=(
            "Returns 202 with the first prediction created, plus `predictions`: all of them "
            "(several for a multi-page PDF, one per page). Poll `GET /api/predictions/{id}/` "
            "until `status` is `done` or `failed`."
        ),
        request={"multipart/form-data": UploadSerializer},
        responses={202: UploadResponseSerializer, 400: BAD_FILE},
    )
    def create(self, request, *args, **kwargs):
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            created = services.create_predictions(request.user, upload.validated_data["image"])
        except services.UploadRejected as exc:
            return Response({"image": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        body = self.get_serializer(created[0]).data
        body["predictions"] = self.get_serializer(created, many=True).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    def perform_update(self, serializer):
        if "corrected_number" in serializer.validated_data:
            services.set_correction(serializer.instance, serializer.validated_data["corrected_number"])

    def perform_destroy(self, instance):
        with transaction.atomic():
            services.delete_prediction(instance)

    @extend_schema(
        summary="The spoken readout (audio/mpeg from gTTS, or audio/wav from the offline engine).",
        responses={
            (200, "audio/mpeg"): OpenApiTypes.BINARY,
            (200, "audio/wav"): OpenApiTypes.BINARY,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], url_path="audio", url_name="audio")
    def audio(self, request, pk=None):
        return audio_response(self.get_object(), request)

    @extend_schema(
        summary="The stored image (PNG, metadata stripped).",
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="image", url_name="image")
    def image(self, request, pk=None):
        return image_response(self.get_object(), request)
