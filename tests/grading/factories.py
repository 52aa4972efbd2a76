import io

import factory
from PIL import Image

from grading.models import Assignment, Collaborator, Submission
from predictor.models import Prediction
from tests.factories import UserFactory


def png_bytes(width=400, height=300) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, "PNG")
    return buffer.getvalue()


def reader_result(answers, confidence=0.99, pitch=60) -> dict:
    """A reader result with one number per line, laid out like a worksheet."""
    numbers = []
    for line, answer in enumerate(answers):
        text, conf = answer if isinstance(answer, tuple) else (answer, confidence)
        box = [40, 20 + line * pitch, 30 * len(text), 40]
        numbers.append({"number": text, "confidence": conf, "box": box, "line": line, "digits": []})
    return {"numbers": numbers, "needs_review": False}


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Worksheet {n}")
    class_name = "5B"
    answer_key = factory.LazyFunction(lambda: ["12", "7", "345"])


class CollaboratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collaborator

    assignment = factory.SubFactory(AssignmentFactory)
    user = factory.SubFactory(UserFactory)
    role = Collaborator.Role.VIEWER


class PredictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prediction

    owner = factory.SubFactory(UserFactory)
    image = factory.django.FileField(filename="page.png", data=factory.LazyFunction(png_bytes))
    original_name = "page.png"
    width = 400
    height = 300
    status = Prediction.Status.DONE
    result = factory.LazyFunction(lambda: reader_result(["12", "7", "345"]))


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    assignment = factory.SubFactory(AssignmentFactory)
    prediction = factory.SubFactory(PredictionFactory, owner=factory.SelfAttribute("..assignment.owner"))
    student = factory.Sequence(lambda n: f"Student {n}")


def graded(assignment, answers, student=None, **result_kwargs) -> Submission:
    """A submission whose page read `answers`, graded through the real grading service."""
    from grading.services import grade_submission

    kwargs = {"student": student} if student else {}
    submission = SubmissionFactory(
        assignment=assignment, prediction__result=reader_result(answers, **result_kwargs), **kwargs
    )
    return grade_submission(submission.pk)
