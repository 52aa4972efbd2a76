from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from predictor.forms import CORRECTION_MESSAGE, CORRECTION_PATTERN
from predictor.models import Prediction


class PredictionSerializer(serializers.ModelSerializer):
    numbers = serializers.SerializerMethodField(help_text="Numbers read, in reading order.")
    audio_url = serializers.SerializerMethodField(help_text="The spoken readout, once made (else null).")
    image_url = serializers.SerializerMethodField(help_text="The stored image (PNG).")
    corrected_number = serializers.CharField(
        required=False, allow_blank=True, max_length=1000,
        help_text="The teacher's correction: numbers (e.g. 12, -3, 3.5, 3/4) and spaces; "
        "blank resets to the machine's reading.",
    )  # fmt: skip

    class Meta:
        model = Prediction
        fields = [
            "id", "status", "number", "numbers", "confidence", "needs_review", "corrected_number",
            "audio_url", "image_url", "created_at", "finished_at", "error",
            "original_name", "page", "model_version",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f != "corrected_number"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_numbers(self, obj) -> list[str]:
        return [str(n.get("number", "")) for n in (obj.result or {}).get("numbers") or []]

    def get_audio_url(self, obj) -> str | None:
        return self._url("api-prediction-audio", obj) if obj.audio else None

    def get_image_url(self, obj) -> str:
        return self._url("api-prediction-image", obj)

    def _url(self, name, obj) -> str:
        url = reverse(f"predictor-api:{name}", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def validate_corrected_number(self, value: str) -> str:
        if not CORRECTION_PATTERN.match(value or ""):
            raise serializers.ValidationError(CORRECTION_MESSAGE)
        return " ".join(value.split())


class UploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="JPEG, PNG, WebP or PDF (each page becomes a prediction). Checked by decoding."
    )


class UploadResponseSerializer(PredictionSerializer):
    predictions = PredictionSerializer(many=True, help_text="Every prediction created (one per PDF page).")

    class Meta(PredictionSerializer.Meta):
        fields = [*PredictionSerializer.Meta.fields, "predictions"]
