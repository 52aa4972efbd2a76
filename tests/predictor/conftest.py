import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.predictor import images

STANDIN_READER = "tests.predictor.standin_reader.get_reader"


def real_reader_available() -> bool:
    try:
        from ml import litert, reader

        reader.get_reader  # noqa: B018 - the contract's entry point must exist
        return litert.default_model_path().exists()
    except (ImportError, AttributeError):
        return False


READER = "ml.reader.get_reader" if real_reader_available() else STANDIN_READER


@pytest.fixture(autouse=True)
def _reader(settings, monkeypatch):
    settings.DIGITSIGHT_READER = READER
    # A live worker inherits the environment: point it at the same reader.
    monkeypatch.setenv("DIGITSIGHT_READER", READER)
    # Faults only fire for predictions a test planned them for (predictor.reading.plan_fault).
    monkeypatch.setenv("DIGITSIGHT_FAULT_INJECTION", "true")


@pytest.fixture
def png_427():
    return images.number_png("427")


def upload_file(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
