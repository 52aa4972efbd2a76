"""Read handwritten numbers from image files.

    python -m ml.predict [--json] PATH [PATH ...]

PATHs are image files or directories of images. The model is loaded once.
With --json, one JSON object per input per line:
  {"file": ..., "numbers": [...], "needs_review": ..., "elapsed_ms": ...}
or {"file": ..., "error": "..."} for an input that cannot be read; the exit
status is then 1 (after every input has been tried), otherwise 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ml.predict", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object per input")
    parser.add_argument("--model", type=Path, default=None, help="a .tflite model (default: the shipped one)")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    return parser.parse_args(argv)


def inputs(paths: list[str]) -> list[str]:
    """Files as given; directories expanded to the images inside them, sorted."""
    found = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += [
                str(p) for p in sorted(path.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
            ]
        else:
            found.append(given)
    return found


def main(argv=None) -> int:
    args = parse_args(argv)
    from ml.reader import Reader, UnreadableImage

    reader = Reader(args.model)
    failed = False
    for name in inputs(args.paths):
        try:
            result = reader.read(name)
        except UnreadableImage as error:
            failed = True
            _emit(args.json, {"file": name, "error": str(error)})
            continue
        row = {"file": name, **{k: result[k] for k in ("numbers", "needs_review", "elapsed_ms")}}
        _emit(args.json, row)
    return 1 if failed else 0


def _emit(as_json: bool, row: dict) -> None:
    if as_json:
        print(json.dumps(row), flush=True)
    elif "error" in row:
        print(f"{row['file']}: ERROR {row['error']}", flush=True)
    else:
        numbers = ", ".join(f"{n['number']} ({n['confidence']:.2f})" for n in row["numbers"]) or "no numbers"
        review = "  [needs review]" if row["needs_review"] else ""
        print(f"{row['file']}: {numbers}{review}  {row['elapsed_ms']:.1f} ms", flush=True)


if __name__ == "__main__":
    sys.exit(main())
