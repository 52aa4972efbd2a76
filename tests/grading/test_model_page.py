"""The model page reads the evaluation reports and the model card; it never computes them."""

import json

import pytest

from grading.reports import field_accuracy
from tests.grading.factories import PredictionFactory

EVALUATION = {
    "model_version": "cnn-2024-01",
    "accuracy": 0.9912,
    "per_class": {str(d): 0.98 + d / 1000 for d in range(10)},
    "confusion": [[1000 if i == j else 1 for j in range(10)] for i in range(10)],
    "baselines": [{"name": "Logistic regression", "accuracy": 0.9254, "train_seconds": 12.5,
                   "infer_ms_per_digit": 0.004, "train_samples": 60000}],
    "numbers": {"overall": 0.91, "by_condition": {"clean": 0.97, "blurred": 0.83}},
    "generated_at": "2024-01-02T03:04:05Z",
}  # fmt: skip


@pytest.fixture
def reports(settings, tmp_path):
    settings.DIGITSIGHT_REPORTS_DIR = tmp_path / "reports"
    settings.DIGITSIGHT_MODEL_CARD = tmp_path / "model_card.json"
    settings.DIGITSIGHT_REPORTS_DIR.mkdir()
    return settings.DIGITSIGHT_REPORTS_DIR


def test_it_speaks_to_teachers_when_there_are_no_reports(owner_client, reports):
    page = owner_client.get("/model/").content.decode()
    # Teachers get no server paths and no developer commands.
    assert "make evaluate" not in page and "make train" not in page
    assert str(reports) not in page and "var/reports" not in page and "model_card.json" not in page
    assert "No accuracy figures are available on this server yet." in page
    assert "/model/reports/confusion.png" not in page


def test_it_shows_the_reports_and_the_card(owner_client, reports, settings):
    (reports / "evaluation.json").write_text(json.dumps(EVALUATION))
    (reports / "confusion.png").write_bytes(b"\x89PNG heatmap")
    (reports / "curves.png").write_bytes(b"\x89PNG curves")
    card = {"version": "cnn-v7", "test_accuracy": 0.9931, "per_class_accuracy": {"7": 0.9876}, "epochs": 12}
    settings.DIGITSIGHT_MODEL_CARD.write_text(json.dumps(card))
    page = owner_client.get("/model/").content.decode()
    # Shares are percentages, as everywhere else.
    for text in ("cnn-v7", "99.31%", "98.76%", "Logistic regression", "92.54%", "blurred", "83.0%",
                 "/model/reports/confusion.png", "/model/reports/curves.png"):  # fmt: skip
        assert text in page, text
    assert owner_client.get("/model/reports/confusion.png").getvalue() == b"\x89PNG heatmap"


def test_it_shows_the_line_model_beside_the_digit_model(owner_client, reports, settings):
    settings.DIGITSIGHT_MODEL_CARD.write_text(json.dumps({"version": "cnn-v7", "test_accuracy": 0.99}))
    lines = {"version": "lines-v2", "parameters": 260315, "validation_exact": 0.9123}
    (settings.DIGITSIGHT_MODEL_CARD.parent / "lines_card.json").write_text(json.dumps(lines))
    page = owner_client.get("/model/").content.decode()
    assert "lines-v2" in page and "260,315" in page and "91.23%" in page


def test_it_leaves_out_a_missing_line_model(owner_client, reports, settings):
    settings.DIGITSIGHT_MODEL_CARD.write_text(json.dumps({"version": "cnn-v7", "test_accuracy": 0.99}))
    assert "Line model" not in owner_client.get("/model/").content.decode()


def test_it_survives_a_corrupt_report(owner_client, reports):
    (reports / "evaluation.json").write_text("{not json")
    assert owner_client.get("/model/").status_code == 200


@pytest.mark.parametrize("name", ["evaluation.json", "../model_card.json", "other.png"])
def test_it_serves_only_the_report_images(owner_client, reports, name):
    (reports / "other.png").write_bytes(b"x")
    assert owner_client.get(f"/model/reports/{name}").status_code == 404


def test_it_needs_a_login_for_report_images(client, reports):
    (reports / "curves.png").write_bytes(b"x")
    assert client.get("/model/reports/curves.png").status_code == 302


def test_it_counts_corrections_by_digit():
    result = field_accuracy([("12", ""), ("17", "11"), ("3", "3"), ("45", "456"), ("1 1", "")])
    assert (result["predictions"], result["corrected"], result["unaligned"]) == (5, 2, 1)
    by_digit = {row["digit"]: row for row in result["by_digit"]}
    assert (by_digit["1"]["read"], by_digit["1"]["corrected"]) == (4, 0)
    assert (by_digit["7"]["read"], by_digit["7"]["corrected"], by_digit["7"]["share"]) == (1, 1, 1.0)
    assert by_digit["4"]["read"] == 0  # the unaligned correction is not counted by digit


def test_it_shows_field_accuracy_from_done_predictions(owner_client, owner, reports):
    PredictionFactory(owner=owner, number="17", corrected_number="11")
    PredictionFactory(owner=owner, number="12")
    PredictionFactory(owner=owner, number="99", corrected_number="11", status="failed")
    page = owner_client.get("/model/").content.decode()
    assert "Teachers corrected 1 of 2 finished readings (50%)" in page
