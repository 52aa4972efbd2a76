"""The shipped model's accuracy, and that --quick training yields a usable model."""

import json

import numpy as np
import pytest

from ml import data as mnist_data
from ml.litert import Classifier
from ml.reader import Reader

TARGET = 0.996


def test_it_ships_a_model_card_at_target_accuracy(model_path):
    card_path = model_path.parent / "model_card.json"
    if not card_path.exists():
        pytest.skip(f"no model card beside {model_path}")
    card = json.loads(card_path.read_text())
    assert card["test_accuracy"] >= TARGET
    assert set(card["per_class_accuracy"]) == {str(d) for d in range(10)}
    assert Reader(model_path).model_version.split("+lines-")[0] == card["version"]


@pytest.mark.slow
def test_it_recomputes_the_shipped_accuracy_from_the_litert_file(model_path):
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    mnist = mnist_data.load()
    predicted = Classifier(model_path).predict(mnist.x_test).argmax(axis=1)
    assert (predicted == mnist.y_test).mean() >= TARGET


@pytest.mark.slow
def test_it_trains_a_quick_model_far_above_chance(tmp_path):
    pytest.importorskip("tensorflow")
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    from ml import train

    card = train.main(["--quick", "--out", str(tmp_path), "--checkpoint", str(tmp_path / "ck.keras")])
    assert card["quick"] is True and card["test_accuracy"] > 0.9
    mnist = mnist_data.load()
    classifier = Classifier(tmp_path / "digits.tflite")
    assert card["classes"] == 11 and classifier.scores(mnist.x_test[:5]).shape == (5, 11)
    probabilities = classifier.predict(mnist.x_test[:500])
    assert probabilities.shape == (500, 10) and np.isfinite(probabilities).all()
    assert (probabilities.argmax(axis=1) == mnist.y_test[:500]).mean() > 0.85
