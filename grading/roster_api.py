"""REST API for the teacher's class list: /api/roster/ CRUD and /api/roster/import/ (CSV)."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from grading import access, roster
from grading.models import RosterStudent

DUPLICATE_ID = "You already have a student with this ID."


class RosterStudentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterStudent
        fields = ["id", "name", "student_id", "class_name", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_student_id(self, value):
        value = roster.clean_id(value)
        if not value:
            raise serializers.ValidationError("Give the student's ID.")
        return value


class RosterImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with a header line naming `name` and `student_id`.")


class RosterImportResult(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


def _save(serializer, **extra):
    try:
        with transaction.atomic():
            serializer.save(**extra)
    except IntegrityError:
        raise ValidationError({"student_id": [DUPLICATE_ID]})


class RosterList(generics.ListCreateAPIView):
    serializer_class = RosterStudentSerializer
    pagination_class = None

    def get_queryset(self):
        return access.roster_for_user(self.request.user)

    def perform_create(self, serializer):
        _save(serializer, owner=self.request.user)


class RosterDetail(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = RosterStudentSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        return access.get_roster_student_for_user(self.request.user, self.kwargs["pk"])

    def perform_update(self, serializer):
        _save(serializer)


class RosterImport(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=RosterImportSerializer, responses=RosterImportResult)
    def post(self, request):
        upload = RosterImportSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            counts = roster.import_csv(
                request.user, upload.validated_data["file"].read(1_000_001)[:1_000_000]
            )
        except roster.RosterError as exc:
            raise ValidationError({"file": [str(exc)]})
        return Response(counts)
