"""A reader for fault tests: the test suite's reader, plus slowness and crashes on demand.

Driven by the worker's environment, so a test decides per worker process:
  FAULTS_SLOW_WHILE=<path>  sleep before reading while that file exists (lets a kill land mid-task);
  FAULTS_POISON_WIDTH=<n>   images exactly n pixels wide are poison: FAULTS_POISON says what they do,
                            "segv" (the process dies, as a native crash in OpenCV/LiteRT would)
                            or "raise" (a Python exception from deep inside the reader).
"""

import io
import os
import signal
import time

from django.utils.module_loading import import_string
from PIL import Image

from tests.predictor.conftest import READER


class FaultyReader:
    def __init__(self, inner):
        self.inner = inner
        self.model_version = getattr(inner, "model_version", "")

    def read(self, source):
        slow = os.environ.get("FAULTS_SLOW_WHILE")
        while slow and os.path.exists(slow):
            time.sleep(0.1)
        if Image.open(io.BytesIO(source)).width == int(os.environ.get("FAULTS_POISON_WIDTH", "-1")):
            if os.environ.get("FAULTS_POISON") == "segv":
                os.kill(os.getpid(), signal.SIGSEGV)
            raise IndexError("poisoned image: index 7 is out of bounds for axis 0 with size 3")
        return self.inner.read(source)


def get_reader():
    return FaultyReader(import_string(READER)())
