"""Exact order statistics without NumPy's overhead (the segmenter calls them per page and per crop).

Each one returns what np.median or np.percentile (linear interpolation) would,
bit for bit; tests/ml/test_exact_rewrites.py holds them to it.
"""

from __future__ import annotations

import numpy as np


def byte_percentiles(values: np.ndarray, qs) -> list[float]:
    """percentiles of uint8 values, exactly, from a histogram instead of a partition."""
    below = np.cumsum(np.bincount(values.ravel(), minlength=256))  # values <= v, for each v
    ranks = [q / 100 * (values.size - 1) for q in qs]
    bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
    # The k-th smallest value (0-based) is the first v with more than k values <= v.
    value = {k: np.float32(np.searchsorted(below, k, side="right")) for pair in bounds for k in pair}
    pairs = zip(ranks, bounds, strict=True)
    return [float(value[lo] + (value[hi] - value[lo]) * (r - lo)) for r, (lo, hi) in pairs]


MEDIAN_BINS = 1024


SMALL_MEDIAN = 64  # up to this many values a sort beats np.median's overhead


def median(values):
    """np.median of ints or finite floats, exactly, without its overhead.

    A few values are sorted. Many floats (binarize's ink samples, in [0, 1]) go through a
    histogram that finds the bin holding the middle value(s): the bins are monotone in the
    value (_bins), so only that bin is partitioned.
    Either way the middle order statistics are averaged as np.mean does (in float64 for
    ints, in the values' dtype for floats).
    """
    flat = np.asarray(values).ravel()
    n = flat.size
    floating = np.issubdtype(flat.dtype, np.floating)
    if n == 0 or not (floating or np.issubdtype(flat.dtype, np.integer)) or not np.isfinite(flat.sum()):
        return np.median(flat)  # nothing, other types, NaN or infinities
    if n <= SMALL_MEDIAN or not floating:
        ordered = np.sort(flat)
        middle = [ordered[(n - 1) // 2], ordered[n // 2]]
    else:
        middle = _middle_by_histogram(flat)
    if not floating:
        return np.float64((float(middle[0]) + float(middle[1])) / 2)
    if n % 2:
        return middle[0]
    return (middle[0] + middle[1]) / flat.dtype.type(2)


def _middle_by_histogram(flat: np.ndarray) -> list:
    """The ((n - 1) // 2)-th and (n // 2)-th smallest of many floats."""
    n = flat.size
    bins = _bins(flat)
    counts = np.bincount(bins)
    below = np.cumsum(counts) - counts  # values in lower bins
    ranks = [(n - 1) // 2, n // 2]
    chosen = (np.searchsorted(below, ranks, side="right") - 1).tolist()
    middle = []
    for b in sorted(set(chosen)):
        at = [k - int(below[b]) for k, c in zip(ranks, chosen, strict=True) if c == b]
        part = np.partition(flat[bins == b], at)
        middle += [part[i] for i in at]
    return middle


def _bins(flat: np.ndarray) -> np.ndarray:
    """Bin numbers that never decrease as the value grows.

    float32s with no sign bit set (the ink maps' values) are binned by the top bits of their
    bit patterns, which order as the values do (32 bins per octave): no arithmetic pass.
    Anything else gets MEDIAN_BINS bins of [0, 1], values outside it in the end bins.
    """
    if flat.dtype == np.float32:
        keys = flat.view(np.int32) >> 18
        if keys.min() >= 0:
            return keys
    bins = (flat * MEDIAN_BINS).astype(np.int32)
    np.maximum(bins, 0, out=bins)
    np.minimum(bins, MEDIAN_BINS - 1, out=bins)
    return bins


def percentiles(values: np.ndarray, qs) -> list[float]:
    """np.percentile's linear interpolation, without its overhead (called per crop)."""
    flat = np.asarray(values, np.float32).ravel()
    ranks = [q / 100 * (flat.size - 1) for q in qs]
    bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
    part = np.partition(flat, sorted({i for pair in bounds for i in pair}))
    pairs = zip(ranks, bounds, strict=True)
    return [float(part[lo] + (part[hi] - part[lo]) * (r - lo)) for r, (lo, hi) in pairs]
