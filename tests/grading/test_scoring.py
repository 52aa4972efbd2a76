"""The grading rules, as pure functions."""

from decimal import Decimal

import pytest

from grading import scoring
from grading.scoring import Key
from tests.grading.factories import reader_result


def readings(*texts, confidence=0.99):
    return scoring.readings_from_result(reader_result(list(texts), confidence=confidence))


def test_it_grades_an_exact_match_as_full_marks():
    result = scoring.grade(Key(["12", "7", "345"]), readings("12", "7", "345"))
    assert [a["correct"] for a in result.answers] == [True, True, True]
    assert (result.score, result.max_score, result.needs_review) == (3, 3, False)


def test_it_compares_numbers_ignoring_spaces_and_leading_zeros():
    assert scoring.matches("0 7", "7")
    assert scoring.matches("007", "7")
    assert scoring.matches("1 2", "12")
    assert scoring.matches("7.0", "7")  # numbers compare as numbers (issue 13)
    assert not scoring.matches("71", "17")
    assert not scoring.matches("", "0")


def test_it_accepts_answers_within_the_tolerance():
    assert scoring.matches("101", "100", Decimal("1"))
    assert not scoring.matches("102", "100", Decimal("1"))
    assert scoring.matches("3.49", "3.5", Decimal("0.01"))
    assert not scoring.matches("", "3", Decimal("10"))


def test_it_uses_points_per_question():
    result = scoring.grade(Key(["1", "2"], points=[2, 3]), readings("1", "9"))
    assert (result.score, result.max_score) == (2, 5)


def test_it_flags_low_confidence_answers():
    result = scoring.grade(Key(["12"]), readings("12", confidence=0.41), threshold=0.8)
    assert result.answers[0]["correct"] is True
    assert "low_confidence" in result.answers[0]["flags"]
    assert result.needs_review and "question 1" in result.reasons[0]


def test_it_keeps_extra_numbers_apart_instead_of_grading_them():
    result = scoring.grade(Key(["1", "2"]), readings("1", "2", "99"))
    assert result.score == 2
    assert [e["predicted"] for e in result.extras] == ["99"]
    assert result.needs_review and "3 answers read for 2 questions" in result.reasons[0]


def test_it_marks_missing_trailing_answers_unanswered():
    result = scoring.grade(Key(["1", "2", "3"]), readings("1", "2"))
    last = result.answers[2]
    assert (last["predicted"], last["correct"], last["flags"]) == ("", False, ["unanswered"])
    assert result.score == 2 and result.needs_review


def test_it_leaves_a_blank_where_the_page_shows_a_skipped_line():
    # Lines at y = 20, 80, (140 left blank), 200, 260: question 3 was skipped.
    page = reader_result(["1", "2", "4", "5"])
    for number in page["numbers"][2:]:
        number["box"][1] += 60
    result = scoring.grade(Key(["1", "2", "3", "4", "5"]), scoring.readings_from_result(page))
    assert [a["predicted"] for a in result.answers] == ["1", "2", "", "4", "5"]
    assert result.score == 4 and result.needs_review


def test_it_joins_several_numbers_on_one_line_and_flags_them():
    page = {"numbers": [
        {"number": "1", "confidence": 0.99, "box": [0, 0, 10, 10], "line": 0},
        {"number": "2", "confidence": 0.95, "box": [30, 0, 10, 10], "line": 0},
    ]}  # fmt: skip
    result = scoring.grade(Key(["12"]), scoring.readings_from_result(page))
    answer = result.answers[0]
    assert (answer["predicted"], answer["correct"], answer["confidence"]) == ("1 2", True, 0.95)
    assert answer["box"] == [0, 0, 40, 10]
    assert "several_numbers" in answer["flags"]


def test_it_never_crashes_on_an_empty_or_odd_reading():
    for result in (None, {}, {"numbers": []}, {"numbers": [{"number": "3"}]}):
        graded = scoring.grade(Key(["3", "4"]), scoring.readings_from_result(result))
        assert len(graded.answers) == 2 and graded.needs_review


def test_it_applies_overrides_and_keeps_the_original_reading():
    overrides = {"2": {"predicted": "7"}, "3": {"correct": True}}
    result = scoring.grade(Key(["12", "7", "345"]), readings("12", "1", "346", confidence=0.5), overrides)
    second, third = result.answers[1], result.answers[2]
    assert (second["predicted"], second["original_predicted"], second["correct"]) == ("7", "1", True)
    assert (third["predicted"], third["correct"], third["overridden"]) == ("346", True, True)
    assert result.score == 3
    # The teacher looked at questions 2 and 3: only question 1 stays low-confidence.
    assert result.reasons == ["Low confidence on question 1."]


def test_it_lets_an_override_mark_a_matching_answer_incorrect():
    result = scoring.grade(Key(["5"]), readings("5"), {"1": {"correct": False}})
    assert result.score == 0 and result.answers[0]["overridden"]


def test_it_groups_identical_answers_per_question():
    submissions = [
        ("a", scoring.grade(Key(["12"]), readings("12")).answers),
        ("b", scoring.grade(Key(["12"]), readings("012")).answers),
        ("c", scoring.grade(Key(["12"]), readings("17")).answers),
        ("d", scoring.grade(Key(["12"]), []).answers),
    ]
    groups = scoring.answer_groups(submissions, 1)
    # No answer ("") comes after the numbers read.
    assert [(g["predicted"], g["count"], g["correct"]) for g in groups] == [
        ("12", 2, True), ("17", 1, False), ("", 1, False)
    ]  # fmt: skip
    assert groups[0]["submission_ids"] == ["a", "b"]


def test_it_puts_the_correct_answer_first_then_by_count_then_in_numeric_order():
    def answers(read):
        return scoring.grade(Key(["100"]), readings(read)).answers

    submissions = [(str(i), answers(read)) for i, read in enumerate(["9", "12", "12", "100", "9", "11", "7"])]
    groups = scoring.answer_groups(submissions, 1)
    # As text, "100" sorted among the wrong answers by count, "12" before "9" and "11" before "7".
    assert [g["predicted"] for g in groups] == ["100", "9", "12", "7", "11"]


def test_it_reports_a_mixed_group_when_overrides_disagree():
    answers = [
        ("a", scoring.grade(Key(["1"]), readings("7")).answers),
        ("b", scoring.grade(Key(["1"]), readings("7"), {"1": {"correct": True}}).answers),
    ]
    assert scoring.answer_groups(answers, 1)[0]["correct"] is None


def test_it_computes_the_share_correct_per_question():
    lists = [
        scoring.grade(Key(["1", "2"]), readings(*r)).answers for r in (("1", "2"), ("1", "3"), ("4", "2"))
    ]
    stats = scoring.question_stats(lists, 2)
    assert [(s["correct"], s["graded"], s["percent"]) for s in stats] == [(2, 3, 66.7), (2, 3, 66.7)]


@pytest.mark.parametrize("text", ["12", "-3", "+4", "3.25", " 1 2 "])
def test_it_accepts_numbers_in_the_key(text):
    assert scoring.clean_answer(text)


@pytest.mark.parametrize("text", ["", "abc", "1,5", "1.", "--1", "1e5"])
def test_it_rejects_non_numbers_in_the_key(text):
    with pytest.raises(ValueError):
        scoring.clean_answer(text)


def test_it_writes_a_readout_a_listener_can_follow():
    answers = scoring.grade(Key(["12", "7"]), readings("12", "1")).answers
    text = scoring.readout_text("Ana", answers, 1, 2)
    assert (
        text
        == "Student Ana. Question 1: 12, correct. Question 2: 1, incorrect, expected 7. Score 1 out of 2."
    )
