"""Serve the exported digit model with LiteRT (no TensorFlow at inference)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "artifacts"


def default_model_path() -> Path:
    return Path(os.environ.get("DIGITSIGHT_MODEL", DEFAULT_MODEL_DIR / "digits.tflite"))


class Classifier:
    """A LiteRT interpreter that classifies a whole batch of 28x28 digits per call."""

    def __init__(self, model_path: Path | str | None = None, num_threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(model_path or default_model_path())
        if not self.path.exists():
            raise FileNotFoundError(f"model file not found: {self.path}")
        self._interpreter = Interpreter(model_path=str(self.path), num_threads=num_threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._batch = 0
        # One interpreter is not re-entrant; a lock keeps threaded callers safe.
        self._lock = threading.Lock()

    def predict(self, digits: np.ndarray) -> np.ndarray:
        """(N, 28, 28) uint8 or float in [0, 1] -> (N, 10) softmax probabilities."""
        if len(digits) == 0:
            return np.zeros((0, 10), np.float32)
        x = np.asarray(digits)
        x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
        x = x.reshape(-1, 28, 28, 1)
        with self._lock:
            if len(x) != self._batch:
                self._interpreter.resize_tensor_input(self._input, x.shape, strict=False)
                self._interpreter.allocate_tensors()
                self._batch = len(x)
            self._interpreter.set_tensor(self._input, x)
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output).copy()
