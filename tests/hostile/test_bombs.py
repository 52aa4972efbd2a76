"""Decompression bombs are refused from their header, fast; the biggest legal image stays bounded."""

import json
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ml.load import UnreadableImage, load_image
from predictor.models import Prediction
from predictor.uploads import UploadRejected, read_upload
from tests.hostile import corpus
from tests.hostile.conftest import stored_files
from tests.live_worker import ROOT
from tests.predictor import images

BOMBS = {
    "png 20000x20000": lambda: corpus.png_claiming(20000, 20000),
    "png 1-bit 20000x20000 with real rows": images.png_bomb,
    "jpeg 65000x65000": lambda: corpus.jpeg_claiming(65000, 65000),
    "webp 16383x16383": lambda: corpus.webp_claiming(16383, 16383),
    "png 7000x7000 (over the 40 MP cap)": lambda: corpus.png_claiming(7000, 7000),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_it_rejects_bombs_before_decoding(name):
    data = BOMBS[name]()
    started = time.monotonic()
    with pytest.raises(UploadRejected, match="too large"):
        read_upload(SimpleUploadedFile("bomb.png", data))
    with pytest.raises(UnreadableImage, match="too large"):
        load_image(data)
    assert time.monotonic() - started < 1.0


@pytest.mark.django_db
def test_it_answers_a_bomb_upload_with_400_and_stores_nothing(api, settings):
    response = api.post(
        "/api/predictions/", {"image": SimpleUploadedFile("b.png", BOMBS["png 20000x20000"]())}
    )
    assert response.status_code == 400 and "too large" in response.json()["image"][0]
    assert not Prediction.objects.exists() and not stored_files(settings)


# The worst file a hostile client may legally send: just under the pixel cap, all white,
# 130 KB on the wire. Its peak memory is measured in a fresh process, so nothing else counts.
MEASURE = """
import json, os, resource, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.hostile import corpus
data = corpus.compressible_png(6300, 6300)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[1] == "upload":
    from predictor.uploads import read_upload
    read_upload(SimpleUploadedFile("white.png", data))
else:
    from ml.load import load_image
    load_image(data)
print(json.dumps((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024))
"""


@pytest.mark.slow
@pytest.mark.parametrize(("side", "limit_mb"), [("upload", 400), ("reader", 400)])
def test_it_bounds_memory_for_the_largest_legal_image(side, limit_mb):
    env = {"DJANGO_SETTINGS_MODULE": "digitsight.settings.test", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", MEASURE, side], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    growth_mb = json.loads(run.stdout.strip().splitlines()[-1])
    # 6300x6300 RGB is 119 MB decoded: allow a couple of working copies, not a dozen.
    assert growth_mb < limit_mb, f"{side}: peak RSS grew by {growth_mb:.0f} MB"
