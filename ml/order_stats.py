"""Exact order statistics without NumPy's overhead (the segmenter calls them per page and per crop).

Each one returns what np.median or np.percentile (linear interpolation) would,
bit for bit; tests/ml/test_exact_rewrites.py holds them to it.
"""

from __future__ import annotations

import cv2
import numpy as np


def byte_percentiles(values: np.ndarray, qs) -> list[float]:
    """percentiles of uint8 values, exactly, from a histogram instead of a partition."""
    flat = np.ascontiguousarray(values).ravel()
    if flat.size < 1 << 24:  # OpenCV counts bytes faster than np.bincount, in float32: exact below 2**24
        below = np.cumsum(cv2.calcHist([flat], [0], None, [256], [0, 256]).ravel().astype(np.int64))
    else:
        below = np.cumsum(np.bincount(flat, minlength=256))  # values <= v, for each v
    ranks = [q / 100 * (values.size - 1) for q in qs]
    bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
    # The k-th smallest value (0-based) is the first v with more than k values <= v.
    value = {k: np.float32(np.searchsorted(below, k, side="right")) for pair in bounds for k in pair}
    pairs = zip(ranks, bounds, strict=True)
    return [float(value[lo] + (value[hi] - value[lo]) * (r - lo)) for r, (lo, hi) in pairs]


SMALL_MEDIAN = 64  # up to this many values a sort beats np.median's overhead


def median(values):
    """np.median of ints or finite floats, exactly, without its overhead.

    A few values are sorted. Many floats (binarize's ink samples) are partitioned once, at the
    upper middle (_upper_and_below).
    Either way the middle order statistics are averaged as np.mean does (in float64 for
    ints, in the values' dtype for floats).
    """
    if type(values) is list and 0 < len(values) <= SMALL_MEDIAN and all(type(v) is int for v in values):
        # A few Python ints (blob heights, most calls): sorted as they are, without an array.
        ordered = sorted(values)
        if -(1 << 63) <= ordered[0] and ordered[-1] < 1 << 63:  # as np.asarray's int64 holds them
            n = len(ordered)
            return np.float64((float(ordered[(n - 1) // 2]) + float(ordered[n // 2])) / 2)
    flat = np.asarray(values).ravel()
    n = flat.size
    floating = np.issubdtype(flat.dtype, np.floating)
    if n == 0 or not (floating or np.issubdtype(flat.dtype, np.integer)) or not np.isfinite(flat.sum()):
        return np.median(flat)  # nothing, other types, NaN or infinities
    if n <= SMALL_MEDIAN or not floating:
        ordered = np.sort(flat)
        middle = [ordered[(n - 1) // 2], ordered[n // 2]]
    else:
        below, upper = _upper_and_below(flat, n // 2, below=n % 2 == 0)
        middle = [upper if below is None else below, upper]
    if not floating:
        return np.float64((float(middle[0]) + float(middle[1])) / 2)
    if n % 2:
        return middle[0]
    return (middle[0] + middle[1]) / flat.dtype.type(2)


def _upper_and_below(flat: np.ndarray, k: int, below: bool = True) -> tuple:
    """The (k - 1)-th (None for k = 0 or without `below`) and the k-th smallest values, 0-based.

    One partition at k: its left side holds the k smallest, so their largest is the (k - 1)-th.
    NumPy selects a single kth several times faster than two (only then is its select vectorised).
    Vectorised (NumPy 2.4 on this AVX-512 machine), it also beats binning the values by their
    bits and partitioning one bin: 28 against 86 us on binarize's ink samples (5k-45k float32s).
    """
    part = np.partition(flat, k)
    return (part[:k].max() if below and k else None), part[k]


def percentiles(values: np.ndarray, qs) -> list[float]:
    """np.percentile's linear interpolation, without its overhead (called per crop)."""
    flat = np.asarray(values, np.float32).ravel()
    ranks = [q / 100 * (flat.size - 1) for q in qs]
    bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
    kth = sorted({i for pair in bounds for i in pair})
    if len(kth) <= 2 and kth[0] >= kth[-1] - 1:  # one percentile (to_mnist's 90th): one select
        below, top = _upper_and_below(flat, kth[-1], below=len(kth) == 2)
        value = {kth[-1]: top, kth[0]: top if below is None else below}
    else:
        part = np.partition(flat, kth)
        value = {i: part[i] for i in kth}
    pairs = zip(ranks, bounds, strict=True)
    return [float(value[lo] + (value[hi] - value[lo]) * (r - lo)) for r, (lo, hi) in pairs]
