"""Answers compare as numbers; signs, decimals and fractions are answers too (issue 13)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from grading import scoring
from grading.scoring import Key
from tests.factories import PASSWORD
from tests.grading.factories import AssignmentFactory, graded


@pytest.mark.parametrize(
    ("read", "key"),
    [("3.50", "3.5"), ("3.5", "03.50"), ("-12", "-12"), ("-0.5", "-.5"), ("+4", "4"), ("0.25", ".250")],
)
def test_it_equates_the_same_number_written_differently(read, key):
    assert scoring.matches(read, key)


@pytest.mark.parametrize(("read", "key"), [("3.5", "35"), ("-12", "12"), ("0.5", "5"), ("3.51", "3.5")])
def test_it_tells_different_numbers_apart(read, key):
    assert not scoring.matches(read, key)


def test_it_equates_fractions_and_decimals_only_when_the_assignment_allows_it():
    assert scoring.matches("3/4", "3/4") and scoring.matches("03/4", "3/4")
    assert not scoring.matches("3/4", "0.75")
    assert not scoring.matches("0.75", "3/4")
    assert not scoring.matches("6/8", "3/4")
    assert scoring.matches("3/4", "0.75", fractions=True)
    assert scoring.matches("6/8", "3/4", fractions=True)
    assert not scoring.matches("3/5", "0.75", fractions=True)


def test_it_applies_a_tolerance_to_decimals_and_allowed_fractions():
    assert scoring.matches("3.33", "10/3", Decimal("0.01"), fractions=True)
    assert not scoring.matches("3.33", "10/3", Decimal("0.01"))  # a fraction key wants a fraction
    assert scoring.matches("-1.99", "-2", Decimal("0.01"))


@pytest.mark.parametrize("text", ["3/4", "-3/4", "0.5", "-12", ".5"])
def test_it_accepts_signed_decimal_and_fraction_keys(text):
    assert scoring.clean_answer(text) == text


@pytest.mark.parametrize("text", ["3/0", "3/", "/4", "3//4", "1-2", "-", "."])
def test_it_rejects_broken_fractions_and_lone_signs(text):
    with pytest.raises(ValueError):
        scoring.clean_answer(text)


def test_it_grades_a_page_of_math_answers():
    key = Key(["-12", "3.5", "3/4"], fractions=False)
    result = scoring.grade(key, scoring.readings_from_result(_result(["-12", "3.50", "0.75"])))
    assert [a["correct"] for a in result.answers] == [True, True, False]
    allowed = scoring.grade(
        Key(key.answers, fractions=True), scoring.readings_from_result(_result(["-12", "3.50", "0.75"]))
    )
    assert [a["correct"] for a in allowed.answers] == [True, True, True]


def _result(texts):
    from tests.grading.factories import reader_result

    return reader_result(texts)


@pytest.mark.django_db
def test_it_reads_the_assignments_fraction_setting_into_the_key(owner):
    strict = graded(AssignmentFactory(owner=owner, answer_key=["3/4"]), ["0.75"])
    lenient = graded(AssignmentFactory(owner=owner, answer_key=["3/4"], fraction_equivalence=True), ["0.75"])
    assert (strict.score, lenient.score) == (0, 1)


@pytest.mark.django_db
def test_it_accepts_a_signed_override_through_the_api(owner):
    client = APIClient()
    client.login(username=owner.username, password=PASSWORD)
    submission = graded(AssignmentFactory(owner=owner, answer_key=["-12", "3/4"]), ["12", "3 4"])
    response = client.patch(
        f"/api/submissions/{submission.pk}/",
        {"answers": [{"question": 1, "predicted": "-12"}, {"question": 2, "predicted": "3/4"}]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["score"] == 2
    bad = client.patch(
        f"/api/submissions/{submission.pk}/",
        {"answers": [{"question": 1, "predicted": "1-2"}]},
        format="json",
    )
    assert bad.status_code == 400
