from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.names import display_name
from grading import scoring
from grading.forms import find_teacher, parse_answer_key, parse_points
from grading.models import Assignment, Collaborator, Submission


class AssignmentSerializer(serializers.ModelSerializer):
    answer_key = serializers.ListField(child=serializers.CharField(allow_blank=True), allow_empty=False)
    points = serializers.ListField(child=serializers.FloatField(), required=False, allow_null=True)
    role = serializers.SerializerMethodField()
    max_score = serializers.FloatField(read_only=True)
    submissions = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id", "title", "class_name", "answer_key", "points", "tolerance", "fraction_equivalence",
            "max_score", "role", "submissions", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_role(self, obj) -> str:
        if obj.owner_id == self.context["request"].user.pk:
            return "owner"
        return getattr(obj, "role", None) or getattr(obj, "shared_role", None) or ""

    def get_submissions(self, obj) -> int:
        return obj.submissions.count()

    def validate_answer_key(self, value):
        try:
            return parse_answer_key([str(v).strip() for v in value])
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages)

    def validate_tolerance(self, value):
        if value is not None and value < 0:
            raise serializers.ValidationError("The tolerance cannot be negative.")
        return value

    def validate(self, attrs):
        key = attrs.get("answer_key", getattr(self.instance, "answer_key", []))
        points = attrs.get("points", getattr(self.instance, "points", None))
        try:
            attrs["points"] = parse_points(points, len(key))
        except forms.ValidationError as exc:
            raise serializers.ValidationError({"points": exc.messages})
        return attrs


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    expected = serializers.CharField()
    predicted = serializers.CharField(allow_blank=True)
    original_predicted = serializers.CharField(allow_blank=True)
    confidence = serializers.FloatField(allow_null=True)
    correct = serializers.BooleanField()
    overridden = serializers.BooleanField()
    flags = serializers.ListField(child=serializers.CharField())
    points = serializers.FloatField(required=False)
    earned = serializers.FloatField(required=False)
    name = serializers.SerializerMethodField()
    box = serializers.ListField(child=serializers.IntegerField(), allow_null=True, required=False)
    crop_url = serializers.SerializerMethodField()

    def get_name(self, answer) -> str:
        return str(answer.get("name") or answer["question"])

    def get_crop_url(self, answer) -> str | None:
        """The answer area's crop on a worksheet page (served through the access check)."""
        if not answer.get("crop") or "area" not in answer or "submission" not in self.context:
            return None
        from django.urls import reverse

        url = reverse(
            "worksheets:submission_crop",
            kwargs={"pk": self.context["submission"].pk, "index": answer["area"]},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class SubmissionSerializer(serializers.ModelSerializer):
    answers = serializers.SerializerMethodField()
    assignment = serializers.PrimaryKeyRelatedField(read_only=True)
    prediction = serializers.UUIDField(source="prediction_id", read_only=True)
    student_id = serializers.CharField(
        source="roster_student.student_id", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Submission
        fields = [
            "id", "assignment", "student", "student_id", "status", "reason", "score", "max_score", "answers",
            "extra_answers", "needs_review", "review_reasons", "prediction", "created_at", "graded_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, submission):
        context = dict(self.context, submission=submission)
        return AnswerSerializer(submission.answers, many=True, context=context).data


class OverrideItemSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    predicted = serializers.CharField(required=False, allow_blank=True, max_length=40)
    correct = serializers.BooleanField(required=False, allow_null=True, default=None)
    clear = serializers.BooleanField(required=False, default=False)

    def validate_predicted(self, value):
        if value.strip() == "":
            return ""
        try:
            return scoring.clean_answer(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc))

    def validate(self, attrs):
        if "predicted" not in attrs and attrs.get("correct") is None and not attrs.get("clear"):
            raise serializers.ValidationError("Give `predicted`, `correct` or `clear`.")
        return attrs


class SubmissionPatchSerializer(serializers.Serializer):
    answers = OverrideItemSerializer(many=True, required=False)
    student = serializers.CharField(required=False, max_length=200)
    reviewed = serializers.BooleanField(required=False)
    roster_student = serializers.IntegerField(
        required=False, allow_null=True, help_text="Pick the page's student from the class list (id)."
    )


class SubmissionUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    student = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CollaboratorSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.pk", read_only=True)
    username = serializers.CharField(required=False, write_only=True)
    email = serializers.EmailField(required=False, write_only=True)
    user = serializers.CharField(source="user.get_username", read_only=True)
    display_name = serializers.SerializerMethodField(help_text="The name the teacher chose to be shown by.")

    class Meta:
        model = Collaborator
        fields = ["id", "user_id", "user", "display_name", "username", "email", "role", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_display_name(self, obj) -> str:
        return display_name(obj.user)

    def validate(self, attrs):
        who = attrs.pop("username", None) or attrs.pop("email", None)
        user = find_teacher(who)
        if user is None:
            raise serializers.ValidationError({"username": ["No teacher with that username or e-mail."]})
        if user.pk == self.context["assignment"].owner_id:
            raise serializers.ValidationError({"username": ["The owner already has every right."]})
        attrs["user"] = user
        return attrs


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Collaborator.Role.choices)
