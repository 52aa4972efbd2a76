"""The Model page shows each model's calibration: temperature, ECE and a reliability diagram."""

import json

import pytest

BINS = [{"low": k / 10, "high": (k + 1) / 10, "count": 0} for k in range(9)] + [
    {"low": 0.9, "high": 1.0, "count": 480, "confidence": 0.985, "accuracy": 0.979}
]
CALIBRATION = {"data": "training crops", "ece_before": 0.0311, "ece_after": 0.0072, "bins": BINS}


@pytest.fixture
def cards(settings, tmp_path):
    settings.DIGITSIGHT_REPORTS_DIR = tmp_path / "reports"
    settings.DIGITSIGHT_MODEL_CARD = tmp_path / "model_card.json"
    settings.DIGITSIGHT_REPORTS_DIR.mkdir()
    return tmp_path


def test_it_draws_a_reliability_diagram_per_calibrated_model(owner_client, cards):
    card = {"version": "cnn-v7", "temperature": 0.81, "calibration": CALIBRATION}
    (cards / "model_card.json").write_text(json.dumps(card))
    lines = {"version": "l-2", "parameters": 9, "validation_exact": 0.9, "temperature": 1.4,
             "calibration": {**CALIBRATION, "ece_after": 0.0123}}  # fmt: skip
    (cards / "lines_card.json").write_text(json.dumps(lines))
    (cards / "lines_math_card.json").write_text(json.dumps({**lines, "temperature": 1.304}))
    page = owner_client.get("/model/").content.decode()
    for text in ("Confidence calibration", "temperature 0.810", "0.0311", "0.0072", "temperature 1.400",
                 "0.0123", "<svg", "480 readings", "training crops"):  # fmt: skip
        assert text in page, text
    assert page.count("<svg") == 3 and "temperature 1.304" in page and "Line model for signs" in page
    assert 'height="98"' in page  # the 0.9-1.0 band's bar: 97.9% right


def test_it_leaves_the_section_out_without_a_calibrated_card(owner_client, cards):
    (cards / "model_card.json").write_text(json.dumps({"version": "cnn-v7"}))
    assert "Confidence calibration" not in owner_client.get("/model/").content.decode()
