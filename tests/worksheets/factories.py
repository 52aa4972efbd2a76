import factory
from django.core.files.base import ContentFile

from grading.models import RosterStudent
from tests.grading.factories import AssignmentFactory, SubmissionFactory, png_bytes
from worksheets.models import Worksheet

REGIONS = [
    {"name": "1", "box": [300, 40, 80, 40], "answer": "12", "points": 1.0},
    {"name": "2", "box": [300, 110, 80, 40], "answer": "7", "points": 2.0},
    {"name": "3", "box": [300, 180, 80, 40], "answer": "345", "points": 1.0},
]


class WorksheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worksheet

    assignment = factory.SubFactory(AssignmentFactory)
    template = factory.django.FileField(filename="template.png", data=factory.LazyFunction(png_bytes))
    width = 400
    height = 300
    regions = factory.LazyFunction(lambda: [dict(r) for r in REGIONS])


class RosterStudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterStudent

    owner = factory.SubFactory("tests.factories.UserFactory")
    name = factory.Sequence(lambda n: f"Pupil {n}")
    student_id = factory.Sequence(lambda n: f"{100000 + n}")


def page_reading(numbers, confidence=0.99, regions=REGIONS, crops=True, **extra) -> dict:
    """What worksheets.reading stores for a page read area by area."""
    answers = []
    for region, number in zip(regions, numbers, strict=False):
        text, conf = number if isinstance(number, tuple) else (number, confidence)
        answers.append(
            {"name": region["name"], "number": text, "confidence": conf, "needs_review": conf < 0.9,
             "box": list(region["box"]), "crop": ""}
        )  # fmt: skip
    return {"aligned": True, "alignment": 0.9, "answers": answers, "needs_review": False} | extra


def area_graded(worksheet, numbers, student="Ana", with_crops=True, **extra):
    """A submission of a worksheet assignment whose page read `numbers`, graded for real."""
    from django.core.files.storage import default_storage

    from grading.services import grade_submission

    submission = SubmissionFactory(assignment=worksheet.assignment, student=student)
    reading = page_reading(numbers, **extra)
    if with_crops:
        for index, answer in enumerate(reading["answers"]):
            name = f"crops/{submission.assignment.owner_id}/{submission.pk}/{index}.png"
            answer["crop"] = default_storage.save(name, ContentFile(png_bytes(80, 40)))
    submission.page_reading = reading
    submission.save(update_fields=["page_reading"])
    return grade_submission(submission.pk)


def worksheet_world(assignment) -> dict:
    """What the access sweeps need on top of a graded assignment: its worksheet, a page read
    area by area (with crops), and a student on the owner's class list."""
    worksheet = WorksheetFactory(assignment=assignment)
    return {
        "worksheet": worksheet,
        "area_submission": area_graded(worksheet, ["12", "7", "345"], student="Bo"),
        "student": RosterStudentFactory(owner=assignment.owner),
    }
