"""REST API for assignments, submissions and collaborators (see issue 5 for the contract)."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from grading import access, services, views
from grading.models import Collaborator
from grading.serializers import (
    AssignmentSerializer,
    CollaboratorSerializer,
    RoleSerializer,
    SubmissionPatchSerializer,
    SubmissionSerializer,
    SubmissionUploadSerializer,
)


class AssignmentList(generics.ListCreateAPIView):
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return access.assignments_for_user(self.request.user).order_by("-created_at")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


class AssignmentDetail(generics.RetrieveUpdateDestroyAPIView):
    shared_with_roles = True  # a write beyond the collaborator's role is a 403 (schema)
    serializer_class = AssignmentSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        manage = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return access.get_assignment_for_user(self.request.user, self.kwargs["pk"], manage=manage)

    def perform_update(self, serializer):
        services.regrade_assignment(serializer.save())

    def perform_destroy(self, instance):
        views._delete_with_pages(instance, [s.prediction for s in instance.submissions.all()])


class SubmissionList(generics.ListCreateAPIView):
    shared_with_roles = True  # a write beyond the collaborator's role is a 403 (schema)
    serializer_class = SubmissionSerializer
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "uploads"

    def get_throttles(self):
        # The predictor's throttle lets uploads through while Redis is down.
        from predictor.api import UploadThrottle

        return [UploadThrottle()] if self.request.method == "POST" else []

    def assignment(self, write=False):
        return access.get_assignment_for_user(self.request.user, self.kwargs["pk"], write=write)

    def get_queryset(self):
        return self.assignment().submissions.order_by("student", "created_at")

    @extend_schema(request=SubmissionUploadSerializer, responses={202: SubmissionSerializer})
    def post(self, request, pk):
        from predictor.uploads import UploadRejected

        assignment = self.assignment(write=True)
        upload = SubmissionUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            created = services.add_submissions(
                assignment,
                request.user,
                upload.validated_data["image"],
                upload.validated_data.get("student", ""),
            )
        except UploadRejected as exc:
            raise ValidationError({"image": [str(exc)]})
        data = SubmissionSerializer(created, many=True).data
        body = dict(data[0]) if len(data) == 1 else {"submissions": data}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class SubmissionDetail(APIView):
    shared_with_roles = True  # a write beyond the collaborator's role is a 403 (schema)

    @extend_schema(responses=SubmissionSerializer)
    def get(self, request, pk):
        return Response(SubmissionSerializer(access.get_submission_for_user(request.user, pk)).data)

    @extend_schema(request=SubmissionPatchSerializer, responses=SubmissionSerializer)
    def patch(self, request, pk):
        submission = access.get_submission_for_user(request.user, pk, write=True)
        patch = SubmissionPatchSerializer(data=request.data)
        patch.is_valid(raise_exception=True)
        with transaction.atomic():
            self._apply(submission, patch.validated_data)
        submission.refresh_from_db()
        return Response(SubmissionSerializer(submission).data)

    def _apply(self, submission, data):
        if "student" in data:
            submission.student = data["student"].strip()
            submission.save(update_fields=["student", "updated_at"])
        for item in data.get("answers", []):
            try:
                services.override_answer(
                    submission, item["question"], predicted=item.get("predicted"),
                    correct=item.get("correct"), clear=item.get("clear", False),
                )  # fmt: skip
            except ValueError as exc:
                raise ValidationError({"answers": [str(exc)]})
        if "roster_student" in data:
            try:
                services.pick_student(submission, data["roster_student"])
            except ValueError as exc:
                raise ValidationError({"roster_student": [str(exc)]})
        if "reviewed" in data:
            services.mark_reviewed(submission, data["reviewed"])


class CollaboratorList(generics.ListCreateAPIView):
    shared_with_roles = True  # a write beyond the collaborator's role is a 403 (schema)
    serializer_class = CollaboratorSerializer
    pagination_class = None

    def assignment(self, manage=False):
        return access.get_assignment_for_user(self.request.user, self.kwargs["pk"], manage=manage)

    def get_queryset(self):
        return self.assignment().collaborators.select_related("user__profile")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request.method == "POST":
            context["assignment"] = self.assignment(manage=True)
        return context

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                serializer.save(assignment=serializer.context["assignment"])
        except IntegrityError:
            raise ValidationError({"username": ["Already shared with this teacher: PATCH their role."]})


class CollaboratorDetail(APIView):
    shared_with_roles = True  # a write beyond the collaborator's role is a 403 (schema)
    # PATCH validates a whole RoleSerializer: `role` is required (digitsight.schema).
    patch_is_partial = False

    def share(self, request, pk, user_id, manage=True):
        assignment = access.get_assignment_for_user(request.user, pk, manage=manage)
        share = (
            Collaborator.objects.filter(assignment=assignment, user_id=user_id)
            .select_related("user__profile")
            .first()
        )
        if share is None:
            from django.http import Http404

            raise Http404("Not a collaborator.")
        return share

    @extend_schema(responses=CollaboratorSerializer)
    def get(self, request, pk, user_id):
        return Response(CollaboratorSerializer(self.share(request, pk, user_id, manage=False)).data)

    @extend_schema(request=RoleSerializer, responses=CollaboratorSerializer)
    def patch(self, request, pk, user_id):
        share = self.share(request, pk, user_id)
        role = RoleSerializer(data=request.data)
        role.is_valid(raise_exception=True)
        share.role = role.validated_data["role"]
        share.save(update_fields=["role"])
        return Response(CollaboratorSerializer(share).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk, user_id):
        self.share(request, pk, user_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class GradesCsv(APIView):
    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, pk):
        return views.csv_response(access.get_assignment_for_user(request.user, pk))
