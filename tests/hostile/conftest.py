from pathlib import Path

import numpy as np
import pytest

from tests.factories import token_client
from tests.predictor.conftest import _reader  # noqa: F401 - same reader setup as the predictor tests

DATA = Path(__file__).parent / "data"


class UniformClassifier:
    """Stands in for the LiteRT model while none is trained: every crop reads as a sure 3.

    Decoding and segmentation, where hostile pixels do their damage, still run for real.
    """

    def predict(self, digits):
        probabilities = np.full((len(digits), 10), 0.01, np.float32)
        probabilities[:, 3] = 0.91
        return probabilities


@pytest.fixture(scope="session")
def ml_reader():
    from ml.litert import default_model_path
    from ml.reader import Reader

    if default_model_path().exists():
        return Reader()
    reader = Reader.__new__(Reader)
    reader.classifier = UniformClassifier()
    reader.review_threshold, reader.max_pixels, reader.model_version = 0.8, 40_000_000, "uniform"
    reader.line_reader = None
    return reader


@pytest.fixture
def api(owner):
    return token_client(owner)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
