import pytest

from tests.predictor.conftest import READER


@pytest.fixture(autouse=True)
def _reader(settings, monkeypatch):
    settings.DIGITSIGHT_READER = READER
    monkeypatch.setenv("DIGITSIGHT_READER", READER)
