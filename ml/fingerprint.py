"""A hash of every reading on a fixed corpus: the before/after check for exact speed-ups.

    python -m ml.fingerprint                      # print the hash
    python -m ml.fingerprint --write before.json  # keep every image's digest
    python -m ml.fingerprint --check before.json  # exit 1 and name the images that read differently

The corpus: the number benchmark's photos (ml.synth, every condition, a
fixed seed), extra worksheet pages, large photos (the reduced-size decode
and the rescale paths), PNG, grey, transparent and light-on-dark variants,
the hostile test images, and the training crops ml.compose cuts with the
same segmenter (a segmentation change must not change the training data
either). A reading's digest covers its numbers, digits, confidences (as the
reader rounds them), boxes, lines, needs_review and size; not its timing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HOSTILE = Path(__file__).resolve().parent.parent / "tests" / "hostile" / "data"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--worksheets", type=int, default=20, help="extra worksheet pages")
    parser.add_argument("--compose-lines", type=int, default=40, help="ml.compose lines cut")
    parser.add_argument("--write", type=Path, help="write every item's digest to this JSON file")
    parser.add_argument("--check", type=Path, help="compare with a file written by --write")
    return parser.parse_args(argv)


def corpus(per_condition: int, seed: int, worksheets: int = 20):
    """(name, encoded image) pairs, the same on every run."""
    from ml import synth

    rng = np.random.default_rng(seed)
    for condition in synth.CONDITIONS:
        for k in range(per_condition):
            yield f"{condition}-{k}", synth.make_sample(rng, condition).image
    for k in range(worksheets):
        yield f"worksheet-extra-{k}", synth.make_sample(rng, "worksheet").image
    yield from _variants(np.random.default_rng(seed + 1))
    for path in sorted(HOSTILE.glob("*")) if HOSTILE.is_dir() else []:
        yield f"hostile-{path.name}", path.read_bytes()


def _variants(rng):
    """Large, upscaled, PNG, grey, transparent and inverted photos."""
    import cv2

    from ml import synth

    for height in (120, 160, 240, 400):
        digits, _ = synth.pick_digits(rng, int(rng.integers(1, 6)))
        image = synth.render_number(digits, rng, synth.style_for("mixed", rng), height=height)
        yield f"large-{height}", synth.encode(image, 90)
        yield f"large-{height}-png", synth.encode(image, None)
        yield f"large-{height}-grey", synth.encode(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), 90)
    for k in range(6):
        sample = synth.make_sample(rng, "worksheet")
        page = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_COLOR)
        side = (1600, 2400, 3200, 4000, 2000, 3000)[k]
        scale = side / max(page.shape[:2])
        big = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        yield (
            f"upscaled-worksheet-{side}",
            cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 88])[1].tobytes(),
        )
    for k in range(4):
        digits, _ = synth.pick_digits(rng, 4)
        image = synth.render_number(digits, rng, synth.style_for("light_on_dark", rng))
        yield f"inverted-{k}", synth.encode(image, 90)
        rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
        rgba[:4, :4, 3] = 0
        yield f"rgba-{k}", cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))[1].tobytes()


def reading_digest(result: dict) -> str:
    kept = {k: result[k] for k in ("numbers", "needs_review", "width", "height")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def compose_digests(lines: int = 40, seed: int = 11) -> dict[str, str]:
    """Digests of the training crops and strips ml.compose cuts with the reader's segmenter."""
    from ml import compose
    from ml import data as mnist_data

    if not mnist_data.cache_path().exists():
        return {}
    mnist = mnist_data.load()
    images, labels = mnist.x_train[:5000], mnist.y_train[:5000]
    rng = np.random.default_rng(seed)
    digests = {}
    for k in range(lines):
        crops, crop_labels = compose.line_crops(rng, images, labels)
        strip = compose.number_strip(rng, images, labels)
        digest = hashlib.sha256()
        for part in (crops, crop_labels, *_arrays(strip)):
            digest.update(np.ascontiguousarray(part).tobytes())
        digests[f"compose-{k}"] = digest.hexdigest()
    return digests


def _arrays(value):
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    return [np.asarray(repr(value).encode())] if value is not None else []


def fingerprint(
    per_condition: int = 30, seed: int = 2024, worksheets: int = 20, compose_lines: int = 40
) -> dict[str, str]:
    import cv2

    from ml.load import UnreadableImage
    from ml.reader import Reader

    cv2.setNumThreads(1)
    reader = Reader()
    digests = {}
    for name, image in corpus(per_condition, seed, worksheets):
        try:
            digests[name] = reading_digest(reader.read(image))
        except UnreadableImage as error:
            digests[name] = "unreadable: " + str(error)
    digests.update(compose_digests(compose_lines))
    return digests


def total(digests: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:16]


def main(argv=None) -> int:
    args = parse_args(argv)
    digests = fingerprint(args.per_condition, args.seed, args.worksheets, args.compose_lines)
    print(f"{len(digests)} items, fingerprint {total(digests)}")
    if args.write:
        args.write.write_text(json.dumps(digests, indent=1, sort_keys=True))
    if args.check:
        before = json.loads(args.check.read_text())
        changed = sorted(k for k in before.keys() | digests.keys() if before.get(k) != digests.get(k))
        for name in changed:
            print(f"changed: {name}")
        print("same readings" if not changed else f"{len(changed)} of {len(before)} items changed")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
