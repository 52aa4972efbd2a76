"""The shipped models served with LiteRT: the digit classifier and the line models.

Each wrapper holds one interpreter, resized only when the batch's shape changes, and applies the
temperature its model card records (ml.calibrate). No TensorFlow here.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from ml.signs import VOCAB

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
        self.temperature = card_value(self.path, "model_card.json", "temperature", 1.0)

    def predict(self, digits: np.ndarray) -> np.ndarray:
        """(N, 28, 28) uint8 or float in [0, 1] -> (N, 10) probability of each digit.

        A model with an eleventh "not one digit" class keeps that class's
        share out of the digits, so a row sums to P(this is one digit).
        """
        return self.scores(digits)[:, :10]

    def scores(self, digits: np.ndarray) -> np.ndarray:
        """Every class's probability: (N, 10), or (N, 11) with "not one digit"."""
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
            return tempered(self._interpreter.get_tensor(self._output), self.temperature)


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature scaling of softmax outputs: softmax(logits / T) is p ** (1 / T), renormalised."""
    if temperature == 1.0:
        return probabilities.copy()
    scaled = np.power(np.maximum(probabilities, 1e-30), 1.0 / temperature)
    return scaled / scaled.sum(axis=-1, keepdims=True)


def card_value(model_path: Path, card_name: str, key: str, default):
    """One field of the model card beside a model file (the default when absent or unreadable)."""
    try:
        return json.loads((Path(model_path).parent / card_name).read_text()).get(key, default)
    except (OSError, ValueError):
        return default


class LineReader:
    """The line model (ml.train_lines) through LiteRT: reads whole number strips in one call."""

    def __init__(self, model_path: Path | str, num_threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(model_path)
        self._interpreter = Interpreter(model_path=str(self.path), num_threads=num_threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._shape = None
        self._lock = threading.Lock()
        card = self.path.stem + "_card.json"  # lines_card.json, lines_math_card.json
        self.temperature = card_value(self.path, card, "temperature", 1.0)
        # A digits-only model (before ml.signs) has no signs to read: no marks join its strips.
        self.reads_signs = "-" in card_value(self.path, card, "vocabulary", "")

    def read(self, strips: list[np.ndarray], frames: bool = False) -> list[tuple]:
        """(32, W) uint8 strips -> per strip (text, [(digit, confidence, column), ...]),
        and with `frames` also the strip's (T, classes) probabilities."""
        if not strips:
            return []
        width = max(s.shape[1] for s in strips)
        x = np.zeros((len(strips), strips[0].shape[0], width, 1), np.float32)
        for k, strip in enumerate(strips):
            x[k, :, : strip.shape[1], 0] = strip / 255.0
        with self._lock:
            if x.shape != self._shape:
                self._interpreter.resize_tensor_input(self._input, x.shape, strict=False)
                self._interpreter.allocate_tensors()
                self._shape = x.shape
            self._interpreter.set_tensor(self._input, x)
            self._interpreter.invoke()
            rows = tempered(self._interpreter.get_tensor(self._output), self.temperature)
        scale = width / rows.shape[1]
        read = []
        for row in rows:
            digits = [(VOCAB[d], p, (f + 0.5) * scale) for d, p, f in decode_ctc(row)]
            text = "".join(d for d, _, _ in digits)
            read.append((text, digits, row) if frames else (text, digits))
        return read


def decode_ctc(frames: np.ndarray) -> list[tuple[int, float, float]]:
    """Best-path CTC decoding of (T, classes) probabilities: [(symbol, confidence, frame), ...].

    The blank is the last class (ml.signs.BLANK; 10 for a digits-only model), a
    symbol indexes ml.signs.VOCAB. A symbol's confidence is its highest frame
    probability; its frame is where that peak is.
    """
    blank = frames.shape[1] - 1
    best = frames.argmax(axis=1).tolist()  # Python ints: compared several times faster than NumPy's
    digits = []
    start = 0
    for t in range(1, len(best) + 1):
        if t == len(best) or best[t] != best[start]:
            symbol = best[start]
            if symbol != blank:
                peak = start + int(frames[start:t, symbol].argmax())
                digits.append((symbol, float(frames[peak, symbol]), float(peak)))
            start = t
    return digits
