"""Touching digits (step 6 of ml.segment).

Touching and overlapping digits are over-segmented, then re-assembled by the
classifier: `seams` proposes curved cuts through the blob (minimum-ink paths
from top to bottom, so a cut can follow the slanted gap between overlapping
digits), and `lattice` lists every run of consecutive pieces narrow enough
to be one digit. The reader classifies all runs in one batch and a dynamic
programme picks the sequence of runs that explains the whole blob best.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from ml.segment import Blob

SEAM_DRIFT = 0.15  # cost of one column of sideways drift, in units of one ink pixel crossed
NARROW_BLOB = 0.6  # a blob narrower than this many heights is read whole
SEAM_BAND = 0.25  # a cut strays at most this many line heights from its anchor column
SLIVER = 0.12  # a cut-off piece smaller than this fraction of the run's largest is a sliver
MAX_RUN_WIDTH = 1.6  # a run wider than this many line heights is never one digit
SEAM_SPACING = 0.12  # two cuts closer than this many line heights (on average) are one cut
SEAMS_PER_DIGIT = 3  # cuts proposed per digit-width of blob
_SQUARE = np.ones((3, 3), np.uint8)  # made once: np.ones costs more than many of the small dilations


def seams(blob: Blob, ref_h: float, limit: int | None = None) -> tuple[list[np.ndarray], list[float]]:
    """Curved cuts through a blob, left to right, each one cut column per row, and
    how many strokes each one severs.

    A cut s keeps the pixels of row r with column < s[r] on its left. The
    first and last cuts are the blob's edges. Inner cuts are minimum-cost
    top-to-bottom paths (cost: the ink they cross plus a small price per
    sideways step), kept when they are local optima, split the ink
    non-trivially and are not near-copies of a cheaper cut.
    """
    return seams_of([blob], [ref_h], limit)[0]


def seams_of(
    blobs: list, ref_hs: list, limit: int | None = None
) -> list[tuple[list[np.ndarray], list[float]]]:
    """seams(blob, ref_h) of each blob; the cheapest paths of all of them found in one pass."""
    found, wide = [], []
    for blob, ref_h in zip(blobs, ref_hs, strict=True):
        h, w = blob.mask.shape
        edges = [np.zeros(h, np.int32), np.full(h, w, np.int32)]
        if w < NARROW_BLOB * max(h, 0.8 * ref_h) or w < 6:  # too narrow for two digits side by side
            found.append((edges, [0.0, 0.0]))
        else:
            found.append(None)
            wide.append((len(found) - 1, edges, *_bands(blob, ref_h)))
    cheapest = _cheapest_paths([local for *_, local in wide])
    for (k, edges, step, band, anchors, _), (columns, cost) in zip(wide, cheapest, strict=True):
        paths = (columns + (anchors - band)[:, None]).astype(np.int32)
        found[k] = _cuts(blobs[k], ref_hs[k], edges, step, paths, cost, limit)
    return found


def _bands(blob: Blob, ref_h: float) -> tuple:
    """(the ink each boundary crosses, band, anchors, each anchor's band of it per row)."""
    h, w = blob.mask.shape
    padded = np.zeros((h, w + 2), np.float32)
    np.maximum(blob.mask, blob.soft, out=padded[:, 1:-1], dtype=np.float32)
    # The cut at boundary s lies between columns s-1 and s: it severs a stroke
    # only where ink lies on both sides.
    step = np.minimum(padded[:, :-1], padded[:, 1:])  # (h, w + 1)
    # One cut per anchor column, confined to a band around it so that cuts
    # spread over the whole blob instead of all finding the same cheapest gap.
    band = max(2, round(SEAM_BAND * ref_h))
    anchors = np.arange(0, w + 1, max(1, round(ref_h / 16)))
    outside = np.full((h, band), np.inf, np.float32)
    wide = np.concatenate([outside, step, outside], axis=1)
    offsets = np.arange(2 * band + 1)
    return step, band, anchors, wide[:, anchors[:, None] + offsets[None, :]]  # (h, anchors, 2 band + 1)


def _cheapest_paths(locals_: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per (rows, anchors, offsets) band costs: each anchor's cheapest path top to bottom, as
    (anchors, rows) offsets, and its cost.

    All the blobs' bands go through the programme at once, each in its own anchors: a
    narrower band is padded with infinite cells (like the frame past a band's edge), a
    shorter blob with rows of zero cost above it (its first row then costs local + 0).
    """
    if not locals_:
        return []
    rows, width = max(c.shape[0] for c in locals_), max(c.shape[2] for c in locals_)
    local = np.full((rows, sum(c.shape[1] for c in locals_), width), np.inf, np.float32)
    starts = np.cumsum([0] + [c.shape[1] for c in locals_])
    for c, at in zip(locals_, starts.tolist(), strict=False):
        local[rows - c.shape[0] :, at : at + c.shape[1], : c.shape[2]] = c
        local[: rows - c.shape[0], at : at + c.shape[1], : c.shape[2]] = 0.0
    framed = _framed_costs(local)
    total = framed[-1, :, 1:-1]
    # Per row: come straight down, or from one column left or right (ties go
    # straight, then left); decided for every row at once after the costs.
    # The infinite frame stands for the missing neighbour past either edge of the band.
    drifted = framed[:-1] + np.float32(SEAM_DRIFT)
    from_left, from_right = drifted[:, :, :-2], drifted[:, :, 2:]
    # back[r - 1]: row r's step, -1 or 1, times 0 where it comes straight down. The costs are never
    # NaN, so "not a <= b" is "b < a": the same steps as np.where and a masked store, 4x faster.
    back = (from_right < from_left).view(np.int8) * np.int8(2) - np.int8(1)
    back *= (framed[:-1, :, 1:-1] > np.minimum(from_left, from_right)).view(np.int8)
    pos = total.argmin(axis=1)
    cost = total[np.arange(len(pos)), pos]
    # Row by row up the cuts as indices into the flattened rows: each row's steps are turned into
    # the cell they come from at once, so climbing a row is one lookup.
    cells = back.shape[1] * back.shape[2]
    came = back.reshape(rows - 1, cells) + np.arange(cells)
    start = np.arange(len(pos)) * back.shape[2]
    at = [start + pos]
    for r in range(rows - 2, -1, -1):
        at.append(came[r].take(at[-1]))
    columns = np.stack(at[::-1], axis=1) - start[:, None]
    return [
        (columns[at : at + c.shape[1], rows - c.shape[0] :], cost[at : at + c.shape[1]])
        for c, at in zip(locals_, starts.tolist(), strict=False)
    ]


def _cuts(blob: Blob, ref_h: float, edges: list, step: np.ndarray, paths, cost, limit) -> tuple:
    """The distinct useful cuts among the anchors' cheapest paths, and the strokes each severs."""
    h, w = blob.mask.shape
    finite = np.isfinite(cost)
    paths, cost = paths[finite], cost[finite]
    area = float(blob.mask.sum())
    row_ink = np.zeros((h, w + 1), np.intp)  # ink left of each boundary
    np.cumsum(blob.mask, axis=1, out=row_ink[:, 1:])
    left = row_ink[np.arange(h)[None, :], np.clip(paths, 0, w)].sum(axis=1)
    useful = (left > 0.04 * area) & (left < 0.96 * area)
    spacing = max(2.0, SEAM_SPACING * ref_h)
    limit = limit or max(4, SEAMS_PER_DIGIT * round(w / (0.6 * ref_h)) + 2)
    result = [edges[0]]
    for path in _distinct_cuts(
        paths, cost, useful, spacing, limit
    ):  # cuts must not cross: each stays right of the previous one
        result.append(np.maximum(path, result[-1]))
    result.append(edges[1])
    # How many strokes each cut severs: the ink it crosses over the stroke width.
    framed = cv2.copyMakeBorder(blob.mask.view(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    inside = cv2.distanceTransform(framed, cv2.DIST_L2, 3)[1:-1, 1:-1][blob.mask]
    stroke = max(1.0, 2.0 * float(inside.sum() / inside.size))  # = .mean(), without its Python layer
    crossed = step[np.arange(h)[None, :], np.clip(np.stack(result), 0, w)].sum(axis=1)
    severed = [float(c) / stroke for c in crossed]
    severed[0] = severed[-1] = 0.0
    return result, severed


def _distinct_cuts(paths: np.ndarray, cost: np.ndarray, useful: np.ndarray, spacing: float, limit: int):
    """The cheapest useful cuts, none within `spacing` (mean columns) of a cheaper one; left to right."""
    near = np.abs(paths[:, None, :] - paths[None, :, :]).mean(axis=2) < spacing
    chosen: list[int] = []
    for s in np.argsort(cost, kind="stable"):
        if useful[s] and not near[s, chosen].any():
            chosen.append(s)
            if len(chosen) >= limit:
                break
    columns = paths.sum(axis=1)  # every path has one column per row: ordering sums orders means
    chosen.sort(key=lambda s: int(columns[s]))
    return [paths[s] for s in chosen]


def _seam_costs(local: np.ndarray) -> np.ndarray:
    """(rows, anchors, offsets) cost of the cheapest path from the top row to each cell."""
    return _framed_costs(local)[:, :, 1:-1]


def _framed_costs(local: np.ndarray) -> np.ndarray:
    """_seam_costs with an infinite column either side of each band: (rows, anchors, offsets + 2)."""
    # An infinite column either side stands for the missing neighbour at the band's edges.
    # min(a + d, b + d) == min(a, b) + d in floating point (rounding is monotonic), so
    # each row costs four array operations.
    rows, anchors, offsets = local.shape
    framed = np.full((rows, anchors, offsets + 2), np.inf, local.dtype)
    totals = framed[:, :, 1:-1]
    totals[0] = local[0]
    best = np.empty_like(local[0])
    for r in range(1, rows):
        prev = framed[r - 1]
        np.minimum(prev[:, :-2], prev[:, 2:], out=best)
        np.add(best, SEAM_DRIFT, out=best)
        np.minimum(prev[:, 1:-1], best, out=best)
        np.add(local[r], best, out=totals[r])
    return framed


def lattice(blob: Blob, ref_h: float) -> tuple[list[float], dict]:
    """(strokes severed by each cut, {(i, j): crop}) for every run of pieces between cut i and cut j.

    A crop is (x, y, w, h, soft, mask) in page coordinates, like `piece`.
    """
    return _runs(blob, ref_h, *seams(blob, ref_h))


def lattices(blobs: list, ref_hs: list) -> list[tuple[list[float], dict]]:
    """lattice(blob, ref_h) of each blob, their seams found together (seams_of)."""
    return [
        _runs(blob, ref_h, *found)
        for blob, ref_h, found in zip(blobs, ref_hs, seams_of(blobs, ref_hs), strict=True)
    ]


def _runs(blob: Blob, ref_h: float, cuts: list, severed: list) -> tuple[list[float], dict]:
    h, w = blob.mask.shape
    cols = np.arange(w)[None, :]
    right_of = [cols >= cut[:, None] for cut in cuts]  # each cut's right side, made once
    runs = {}
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            whole = i == 0 and j == len(cuts) - 1
            region = right_of[i] & ~right_of[j]
            crop = _crop(blob, region)
            if crop is None:  # no ink between the cuts: a run that reads as nothing
                runs[(i, j)] = None
                continue
            if crop[2] > MAX_RUN_WIDTH * ref_h and not whole:
                continue
            runs[(i, j)] = crop
    return severed, runs


def whole(blob: Blob):
    """lattice(blob, math.inf)'s one run, the blob read whole (no blob is wide enough to cut at an
    unbounded digit height): its crop, or None when it holds under 4 pixels of ink."""
    return _crop(blob, np.ones(blob.mask.shape, bool))


def _crop(blob: Blob, region: np.ndarray):
    mask = blob.mask & region
    if np.count_nonzero(mask) < 4:
        return None
    # A cut through overlapping digits leaves slivers of the neighbour on this
    # side: pieces of ink much smaller than the run's main stroke go.
    count, labels = cv2.connectedComponents(mask.view(np.uint8), connectivity=8)
    if count > 2:
        areas = np.bincount(labels.ravel(), minlength=count)[1:]
        keep = np.concatenate(([False], areas >= SLIVER * areas.max()))
        mask = keep[labels]
        region = region & cv2.dilate(mask.astype(np.uint8), _SQUARE).astype(bool)
    c0, r0, cw, rh = cv2.boundingRect(mask.view(np.uint8))  # the box of the ink kept
    r1, c1 = r0 + rh, c0 + cw
    soft = np.where(region[r0:r1, c0:c1], blob.soft[r0:r1, c0:c1], 0.0)
    return blob.x + c0, blob.y + r0, cw, rh, soft, mask[r0:r1, c0:c1]
