"""One number read two ways, scored by both models: which reading to keep, and how surely.

The line model reads a number's strip whole (CTC); the cuts read it digit by
digit with the classifier (a lattice of cuts and a best path, ml.reader).
Where they disagree, each reading is scored by *both* models:

* the line model: log P(text | frames), summed over every CTC alignment (so a
  doubled digit that its best path merged, "99" read as "9", still counts);
* the cuts: the best path through the lattice that spells the text (each run
  scored for the digit the text puts there, with the same shape prior as the
  best path), so the line model's reading is scored on the digits' own crops.

The reading with the higher sum wins (LINE_BIAS and LATTICE_CLIP tilt it),
and how far it wins by is its margin: ml.reader flags a disagreement unless
the margin is clear and the winner is sure of every digit. Every text one
digit off either reading is scored too, since each model often misreads a
different digit of touching digits (on tuning photos, 400 per condition, this
read 8 disagreements right that the pair alone read wrong, 3 of them touching
digits, and 1 the other way); such a third reading is never sure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The line model's reading wins when log P_line(its text) - log P_line(the cuts' text), plus
# LATTICE_WEIGHT times the same difference on the lattice (at most LATTICE_CLIP against it: the
# lattice often has no cut where two touching digits meet), exceeds LINE_BIAS. Chosen on tuning
# photos (training digits, `ml.evaluate --numbers --tune`, 400 per condition): 303 of the 343
# disagreements where one of the two readings was right were decided right (the values around
# these decided 300-305), and touching digits read 96.5% exact instead of 95.0%.
LATTICE_WEIGHT = 1.0
LATTICE_CLIP = 3.0
LINE_BIAS = 1.0
# ... but where a text is the cuts' reading with one 1 more, and the cuts split a blob (its
# digits touch), the lattice counts at most LOST_ONE_CLIP against it: a 1 touching its neighbour
# is swallowed by that digit's crop, so the lattice has no run that reads it (lost 1s were 16 of
# the 61 touching misreads). On tuning photos (2,000 touching) the line model was right in 92
# such disagreements and the cuts in 10; the cuts' 10 had a line log-odds for the extra 1 of at
# most 1.15, the line's lost 1s 2.66-3.41 and the rest more. Numbers of separate digits keep
# LATTICE_CLIP: there a 1 the line model adds is a stroke of a neighbour (44173 read 441713).
LOST_ONE_CLIP = 1.0
# A lone digit read differently by the two models scores log P_classifier(d) + LONE_LINE_WEIGHT *
# log P_line("d"). On 30k training digits read alone (170 such disagreements), the classifier
# alone was right 87 times, the line model 62, weights 0.3-1.0 105-109 times; 0.5 gained on
# each third of them (1.0 lost 2 on one).
LONE_LINE_WEIGHT = 0.5


@dataclass(frozen=True)
class Choice:
    text: str  # the reading kept
    margin: float  # how far the evidence is past the decision boundary (log-odds, >= 0)
    lattice_gap: float  # log P_cuts(kept) - log P_cuts(the other): very negative when the cuts object


def ctc_log_prob(frames: np.ndarray, labels: list[int]) -> float:
    """log P(labels | frames) under CTC (forward algorithm); the blank is the last class."""
    return float(ctc_log_probs(frames, [labels])[0])


def ctc_log_probs(frames: np.ndarray, label_sets: list[list[int]]) -> np.ndarray:
    """ctc_log_prob of several label sequences of one length, run side by side (one row each)."""
    blank = frames.shape[1] - 1
    logp = np.log(np.maximum(frames, 1e-30))
    count, length = len(label_sets), len(label_sets[0])
    ext = np.full((count, 2 * length + 1), blank, np.intp)
    ext[:, 1::2] = np.asarray(label_sets, np.intp).reshape(count, length)
    skip = np.zeros(ext.shape, bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    alpha = np.full(ext.shape, -np.inf)
    alpha[:, 0] = logp[0, blank]
    if length:
        alpha[:, 1] = logp[0, ext[:, 1]]
    shifted = np.full(ext.shape, -np.inf)
    jumped = np.full(ext.shape, -np.inf)
    for t in range(1, len(logp)):
        shifted[:, 1:] = alpha[:, :-1]
        jumped[:, 2:] = np.where(skip[:, 2:], alpha[:, :-2], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, shifted), jumped) + logp[t, ext]
    return np.logaddexp(alpha[:, -1], alpha[:, -2]) if length else alpha[:, -1]


def line_log_probs(frames: np.ndarray, texts) -> dict[str, float]:
    """{text: log P_line(text)}, the texts of one length in one ctc_log_probs run."""
    result = {}
    for size in sorted({len(t) for t in texts}):
        same = sorted({t for t in texts if len(t) == size})
        result.update(zip(same, ctc_log_probs(frames, [_labels(t) for t in same]).tolist(), strict=True))
    return result


def cut_log_prob(text: str, plans: list, run_score) -> float:
    """The best log-score of a segmentation of the blobs' lattices that spells `text`.

    `plans` are the number's blobs' (severed, runs, ref_h, cut_cost) left to right; a run
    is a crop with "probs" (the classifier's ten probabilities) once read, None
    where it holds no ink; runs never read cannot spell anything.
    `run_score(crop, digit, ref_h)` scores one run read as one digit.
    """
    return cut_log_probs([text], plans, run_score)[text]


def cut_log_probs(texts, plans: list, run_score) -> dict[str, float]:
    """cut_log_prob of several texts; those of one length walk the lattices side by side
    (a row each), and each run is scored once per digit, not once per text."""
    scores = {}  # id(crop) -> its run_score as each digit
    result = {}
    for size in sorted({len(t) for t in texts}):
        same = sorted({t for t in texts if len(t) == size})
        digits = np.array([_labels(t) for t in same], np.intp).reshape(len(same), size)
        best = np.full((len(same), size + 1), -np.inf)
        best[:, 0] = 0.0
        for plan in plans:
            best = _through_blob(best, digits, plan, run_score, scores)
        result.update(zip(same, best[:, -1].tolist(), strict=True))
    return result


def _through_blob(before, digits, plan, run_score, scores) -> np.ndarray:
    """Best scores after one blob, per text and number of its digits spelled so far."""
    severed, runs, ref_h, cut_cost = plan
    count = len(severed)
    # into[j][n][m]: text n's best score reaching cut j having spelled m digits
    into = np.full((count, *before.shape), -np.inf)
    into[0] = before
    for j in range(1, count):
        for i in range(j):
            if (i, j) not in runs:
                continue
            crop = runs[(i, j)]
            step = cut_cost * severed[j]
            if crop is None:
                into[j] = np.maximum(into[j], into[i] - step)
                continue
            if "probs" not in crop:
                continue
            if id(crop) not in scores:
                scores[id(crop)] = np.array([run_score(crop, d, ref_h) for d in range(len(crop["probs"]))])
            value = into[i, :, :-1] + scores[id(crop)][digits] - step
            into[j, :, 1:] = np.maximum(into[j, :, 1:], value)
    return into[-1]


def choose(cut_text: str, line_text: str, frames, plans: list, run_score) -> Choice:
    """Which reading of a number both models together prefer: one of the two, or one digit of
    either changed (both models can misread different digits of a number, or the same one)."""
    texts = sorted(_one_digit_off(cut_text, line_text, frames.shape[1] - 1))
    line = line_log_probs(frames, texts)  # text -> log P_line(text)
    lattice = cut_log_probs(texts, plans, run_score)  # text -> log P_cuts(text)
    # The cuts' reading with a 1 put in, where the cuts split a blob (some of its digits touch).
    one_more_1 = _with_a_1(cut_text) if len(plans) < len(cut_text) else set()

    def score(text: str) -> tuple[float, float]:
        """(the joint score, log P_cuts(text) - log P_cuts(the cut text)) of one reading."""
        gap = lattice[text] - lattice[cut_text]
        gap = 0.0 if math.isnan(gap) else gap  # neither spells on the lattice
        bias = LINE_BIAS if text == cut_text else 0.0
        clip = LOST_ONE_CLIP if text in one_more_1 else LATTICE_CLIP
        return line[text] + LATTICE_WEIGHT * max(gap, -clip) + bias, gap

    scored = {t: score(t) for t in texts}
    best = max(sorted(scored), key=lambda t: scored[t][0])
    if best not in (cut_text, line_text):  # neither model's own reading: never sure
        return Choice(best, 0.0, scored[best][1])
    other = line_text if best == cut_text else cut_text
    return Choice(best, scored[best][0] - scored[other][0], scored[best][1] - scored[other][1])


def _one_digit_off(cut_text: str, line_text: str, symbols: int) -> set[str]:
    """The two readings and every text one digit away from either (a digit replaced)."""
    digits = "0123456789"[:symbols]
    return {
        text[:k] + d + text[k + 1 :]
        for text in (cut_text, line_text)
        for k in range(len(text))
        for d in digits
    } | {cut_text, line_text}


def _with_a_1(text: str) -> set[str]:
    """Every text that is `text` with a 1 put in somewhere."""
    return {text[:k] + "1" + text[k:] for k in range(len(text) + 1)}


def respell(choice: Choice, found: list, digits: list[dict], place) -> list[dict]:
    """The digits of a chosen reading: the line model's peaks relabelled and placed by `place`
    where the reading has one digit per peak, else the cut digits relabelled."""
    text = choice.text
    if len(text) == len(found):
        return place([(int(d), *peak[1:]) for d, peak in zip(text, found, strict=True)])
    return [{**c, "digit": int(d)} for c, d in zip(digits, text, strict=True)]


def _labels(text: str) -> list[int]:
    return [int(c) for c in text]


def lone_digit(crop: dict, frames) -> dict:
    """A lone digit the two models read differently, read as the digit both together find likeliest.

    Each digit d scores P_classifier(d) * P_line("d") ** LONE_LINE_WEIGHT (the line model's CTC
    probability of the one-symbol text), so a classifier unsure of a crop unlike MNIST's can
    be outvoted by a sure line model, and the other way round. The crop's confidence stays the
    classifier's for the digit chosen (ml.reader flags it unless that is sure).
    """
    probs = np.asarray(crop["probs"], np.float64)
    line = ctc_log_probs(frames, [[d] for d in range(len(probs))])
    digit = int(np.argmax(np.log(np.maximum(probs, 1e-30)) + LONE_LINE_WEIGHT * line))
    return {**crop, "digit": digit, "confidence": float(probs[digit])}
