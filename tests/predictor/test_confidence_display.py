"""One confidence rule on every page: percentages, and a reading flagged for review is never green.

The flag itself is the reader's (ml.reader / predictor.reading.summarize): a reading needs review
when a digit or a number is below DIGITSIGHT_REVIEW_THRESHOLD (90%) or nothing was found.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from predictor.models import Batch
from predictor.presenters import confidence_class
from tests.grading.factories import AssignmentFactory, graded
from tests.predictor.factories import BatchFactory, PredictionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("confidence", "flagged", "css"),
    [
        (0.95, False, "conf-high"),
        (0.95, True, "conf-mid"),  # flagged for another reason (e.g. one digit is unsure)
        (0.82, False, "conf-mid"),  # below the review threshold: never green
        (0.82, True, "conf-mid"),
        (0.3, True, "conf-low"),
        (None, False, "conf-low"),
    ],
)
def test_it_colours_by_the_review_rule(confidence, flagged, css):
    assert confidence_class(confidence, flagged) == css


def test_it_follows_the_configured_review_threshold(settings):
    settings.DIGITSIGHT_REVIEW_THRESHOLD = 0.8
    assert confidence_class(0.82) == "conf-high"


def test_it_never_colours_a_reading_marked_review_green_in_history(owner_client, owner):
    PredictionFactory(owner=owner, done=True, confidence=0.82, needs_review=True)
    html = owner_client.get(reverse("predictor:history")).content.decode()
    assert "review</span>" in html
    assert 'class="digit-chip conf-mid"' in html and "82%" in html
    assert "conf-high" not in html


def test_it_colours_a_sure_unflagged_reading_green_in_history(owner_client, owner):
    PredictionFactory(owner=owner, done=True, confidence=0.97, needs_review=False)
    html = owner_client.get(reverse("predictor:history")).content.decode()
    assert 'class="digit-chip conf-high"' in html and "97%" in html
    assert "review</span>" not in html


def test_it_shows_percentages_on_the_grading_page(owner_client, owner):
    submission = graded(AssignmentFactory(owner=owner, answer_key=["12", "7"]), ["12", ("1", 0.25)])
    html = owner_client.get(reverse("grading:submission_detail", args=[submission.pk])).content.decode()
    assert ">25%</span>" in html and ">99%</span>" in html
    assert "0.25" not in html and "0.99" not in html
    # The flagged answer is red (25% < 50%); the sure one green.
    assert 'class="digit-chip conf-low" title="How sure the reader is of the digits it found">25%' in html


def test_it_says_what_the_percentages_cannot_see(owner_client, owner):
    # "468" read as "48" at 91%: every digit it found is sure, so nothing flags it.
    result = {
        "numbers": [
            {
                "number": "48",
                "confidence": 0.91,
                "box": [10, 10, 80, 40],
                "line": 0,
                "digits": [
                    {"digit": "4", "confidence": 0.95, "box": [10, 10, 40, 40]},
                    {"digit": "8", "confidence": 0.96, "box": [50, 10, 40, 40]},
                ],
            }
        ],
        "needs_review": False,
    }
    prediction = PredictionFactory(
        owner=owner, done=True, result=result, number="48", confidence=0.91, needs_review=False
    )
    html = owner_client.get(reverse("predictor:detail", args=[prediction.pk])).content.decode()
    assert "A digit it missed or merged does not lower them" in html
    assert "below 90% a reading is marked for review" in html


def test_it_shows_the_corrected_digits_in_the_chips(owner_client, owner):
    prediction = PredictionFactory(owner=owner, done=True)
    owner_client.post(reverse("predictor:correct", args=[prediction.pk]), {"corrected_number": "468 5"})
    html = owner_client.get(reverse("predictor:detail", args=[prediction.pk])).content.decode()
    chips = html.split('aria-label="Numbers found"')[1].split("</ol>")[0]
    assert chips.count('title="corrected by you"') == 4
    for digit in "4685":
        assert f'title="corrected by you">{digit}</span>' in chips
    assert "% sure" not in chips  # the machine's 427 and its percentages are gone from the chips
    assert "You corrected the machine's reading" in html


def test_it_says_just_now_for_a_batch_uploaded_seconds_ago(owner_client, owner):
    batch = BatchFactory(owner=owner)
    PredictionFactory(owner=owner, batch=batch)
    html = owner_client.get(reverse("predictor:history")).content.decode()
    assert "Batch uploaded just now" in html and "0 minutes" not in html


def test_it_says_how_long_ago_an_older_batch_was_uploaded(owner_client, owner):
    batch = BatchFactory(owner=owner)
    PredictionFactory(owner=owner, batch=batch)
    Batch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(minutes=3, seconds=5))
    html = owner_client.get(reverse("predictor:history")).content.decode()
    assert "Batch uploaded 3\xa0minutes ago" in html
