"""A blob's cut lattice, scored: which runs between its cuts read as digits, and the best path.

ml.segment proposes cuts through a blob; each run between two cuts is a candidate digit
(a crop the classifier reads). A path from the first cut to the last is a reading: it pays
DIGIT_COST per digit and CUT_COST per stroke its cuts sever, and a shape prior for runs too
wide or too short to be one digit. ml.reader reads only the runs that could lie on the best
path (promising, hopeless); ml.combine spells a line-model reading on the lattice
(digit_score).
"""

from __future__ import annotations

import math

# Log-probability a split must gain per extra digit, and the width/height beyond which one digit is
# implausibly wide: together they stop wide single digits being cut and let touching ones be.
DIGIT_COST = 0.3
WIDE_DIGIT = 1.0  # width / line height beyond which one digit is implausibly wide
WIDE_PENALTY = 4.0
SHORT_DIGIT = 0.6  # height / line height below which a piece is implausible as a whole digit
SHORT_PENALTY = 10.0
CUT_COST = 0.25  # log-probability paid per stroke a cut severs
# A blob read whole scoring above this keeps that reading: a split into two or
# more digits pays DIGIT_COST for each, so it always scores less.
SURE_WHOLE = -2 * DIGIT_COST


def crops(severed: list[float], runs: dict, whole: dict | None) -> tuple[list[float], dict]:
    """A blob's lattice (segment.lattice) to be read; the run spanning the whole blob reuses its crop."""
    last = max(j for _, j in runs)
    made = {key: unread_crop(p) for key, p in runs.items() if key != (0, last) or whole is None}
    if whole is not None and (0, last) in runs:
        made[(0, last)] = whole
    return severed, made


def unread(crop: dict | None) -> bool:
    return crop is not None and "confidence" not in crop


def unread_crop(piece) -> dict | None:
    """digit_crop's crop, its image made by Reader._classify if the run is read at all."""
    if piece is None:
        return None
    x, y, w, h, soft, mask = piece
    return {"box": (x, y, w, h), "piece": (soft, mask), "width": w, "height": h}


def digit_crop(piece) -> dict | None:
    from ml import segment

    if piece is None:
        return None
    x, y, w, h, soft, mask = piece
    return {"box": (x, y, w, h), "image": segment.to_mnist(soft, mask), "width": w, "height": h}


def run_score(crop: dict, ref_h: float, confidence: float | None = None) -> float:
    """Log-probability that a run is one digit: its confidence (the model's unless given), a shape prior."""
    confidence = crop["confidence"] if confidence is None else confidence
    score = math.log(1e-6 if confidence < 1e-6 else confidence) - DIGIT_COST  # not max(): a hot path
    ref_h = 1.0 if ref_h < 1.0 else ref_h
    aspect = crop["width"] / ref_h
    if aspect > WIDE_DIGIT:
        score -= WIDE_PENALTY * (aspect - WIDE_DIGIT)
    tall = crop["height"] / ref_h
    if tall < SHORT_DIGIT:
        score -= SHORT_PENALTY * (SHORT_DIGIT - tall)
    return score


def digit_score(crop: dict, digit: int, ref_h: float) -> float:
    """run_score of a run read as a given digit (ml.combine spells a reading on the lattice)."""
    return run_score(crop, ref_h, float(crop["probs"][digit]))


def _score_or_bound(crop: dict | None, ref_h: float) -> float:
    """A run's run_score once read; before, the most it could score (a confidence of 1,
    plus a margin for rounding): run_score never grows as the confidence falls."""
    if crop is None:
        return 0.0
    if "confidence" in crop:
        return run_score(crop, ref_h)
    return run_score(crop, ref_h, 1.0) + 1e-3


def _path_values(severed: list[float], runs: dict, ref_h: float, read_only: bool = False):
    """best's programme on scores-or-bounds: the best value reaching each cut and leaving it
    (to the last cut), and the best path's runs. read_only: only runs already read count."""
    count = len(severed)
    scores = {
        key: _score_or_bound(crop, ref_h)
        for key, crop in runs.items()
        if not read_only or crop is None or "confidence" in crop
    }
    into, came = [0.0] + [-math.inf] * (count - 1), [None] * count
    for j in range(1, count):
        for i in range(j):
            if (i, j) in scores and into[i] > -math.inf:
                total = into[i] + scores[(i, j)] - CUT_COST * severed[j]
                if total > into[j]:
                    into[j], came[j] = total, i
    out = [-math.inf] * (count - 1) + [0.0]
    for i in range(count - 2, -1, -1):
        for j in range(i + 1, count):
            if (i, j) in scores and out[j] > -math.inf:
                out[i] = max(out[i], scores[(i, j)] - CUT_COST * severed[j] + out[j])
    path, j = [], count - 1
    while j and came[j] is not None:
        path.append((came[j], j))
        j = came[j]
    return scores, into, out, path if j == 0 else []


def promising(severed: list[float], runs: dict, ref_h: float) -> list[dict]:
    """The unread runs of the segmentation that would score best if every unread run read surely."""
    _, _, _, path = _path_values(severed, runs, ref_h)
    return [runs[key] for key in path if unread(runs[key])]


def hopeless(severed: list[float], runs: dict, ref_h: float) -> list[tuple[int, int]]:
    """Unread runs on no path that could beat the best path already read: best cannot pick them.

    A path's value is at most the sum of its runs' scores-or-bounds; the best path of
    read runs is a real segmentation, so best's choice is worth at least as much.
    """
    floor = _path_values(severed, runs, ref_h, read_only=True)[1][-1]
    scores, into, out, _ = _path_values(severed, runs, ref_h)
    margin = 1e-6  # the sums are rounded in a different order from best's
    return [
        (i, j)
        for (i, j), crop in runs.items()
        if unread(crop) and into[i] + scores[(i, j)] - CUT_COST * severed[j] + out[j] < floor - margin
    ]


def best(severed: list[float], runs: dict, ref_h: float) -> list[dict]:
    """The sequence of runs from the first cut to the last that reads best (dynamic programme).

    A segmentation pays for every stroke its cuts sever, so a digit is cut
    only where the model reads the pieces much better than the whole.
    """
    count = len(severed)
    best = [0.0] + [-math.inf] * (count - 1)
    came = [None] * count
    for j in range(1, count):
        for i in range(j):
            if (i, j) not in runs or best[i] == -math.inf:
                continue
            crop = runs[(i, j)]
            total = best[i] + (0.0 if crop is None else run_score(crop, ref_h)) - CUT_COST * severed[j]
            if total > best[j]:
                best[j], came[j] = total, i
    if count < 2 or came[-1] is None:
        return []
    digits, j = [], count - 1
    while j:
        i = came[j]
        if runs[(i, j)] is not None:
            digits.append(runs[(i, j)])
        j = i
    return digits[::-1]
