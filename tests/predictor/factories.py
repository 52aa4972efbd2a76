import factory
from django.core.files.base import ContentFile

from predictor.models import Batch, Prediction
from tests.factories import UserFactory
from tests.predictor import images

READ_RESULT = {
    "numbers": [
        {
            "number": "427",
            "confidence": 0.62,
            "box": [20, 30, 300, 90],
            "line": 0,
            "digits": [
                {"digit": "4", "confidence": 0.99, "box": [20, 30, 90, 90]},
                {"digit": "2", "confidence": 0.85, "box": [120, 30, 90, 90]},
                {"digit": "7", "confidence": 0.62, "box": [220, 30, 90, 90]},
            ],
        }
    ],
    "needs_review": True,
    "elapsed_ms": 3.0,
    "width": 360,
    "height": 160,
}


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    owner = factory.SubFactory(UserFactory)


class PredictionFactory(factory.django.DjangoModelFactory):
    """A pending prediction with a real stored PNG."""

    class Meta:
        model = Prediction

    owner = factory.SubFactory(UserFactory)
    original_name = "worksheet.png"
    width = 360
    height = 160
    image = factory.LazyFunction(lambda: ContentFile(images.number_png("427"), name="page.png"))

    class Params:
        done = factory.Trait(
            status=Prediction.Status.DONE,
            result=READ_RESULT,
            number="427",
            confidence=0.62,
            needs_review=True,
            model_version="test",
            finished_at=factory.Faker("date_time", tzinfo=__import__("datetime").timezone.utc),
        )


def with_audio(prediction: Prediction, data: bytes = b"ID3fake-mp3", ext: str = "mp3") -> Prediction:
    prediction.audio.save(f"readout.{ext}", ContentFile(data), save=False)
    prediction.audio_language = "en"
    prediction.audio_engine = "gtts" if ext == "mp3" else "espeak-ng"
    prediction.save()
    return prediction
