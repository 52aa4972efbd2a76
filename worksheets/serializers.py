from rest_framework import serializers


class RegionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    box = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4)
    answer = serializers.CharField(allow_blank=True, required=False, default="")
    points = serializers.FloatField(required=False, default=1.0)


class RegionsSerializer(serializers.Serializer):
    regions = RegionSerializer(many=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    template_url = serializers.CharField(read_only=True, allow_null=True)


class TemplateUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The blank worksheet: an image, or a PDF (page 1 is used).")


class TemplateSerializer(serializers.Serializer):
    template_url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    regions = RegionSerializer(
        many=True, help_text="Proposed answer areas, to check and save with PUT regions."
    )
