"""Read handwritten numbers from image files.

    python -m ml.predict [--json] PATH [PATH ...]
    python -m ml.predict [--json] --template BLANK_IMAGE --regions REGIONS.json PAGE [PAGE ...]
    python -m ml.predict [--json] --sheet PHOTO [PHOTO ...]

PATHs are image files or directories of images. The model is loaded once.
With --json, one JSON object per input per line:
  {"file": ..., "numbers": [...], "needs_review": ..., "elapsed_ms": ...}
or {"file": ..., "error": "..."} for an input that cannot be read; the exit
status is then 1 (after every input has been tried), otherwise 0.

With --template, each PAGE is a photo of that worksheet filled in, read
area by area (REGIONS.json: {"regions": [{"name", "box": [x, y, w, h]}]} in
BLANK_IMAGE pixels, as `python -m ml.regions` proposes):
  {"file", "aligned": true, "alignment", "answers": [{"name", "number",
   "confidence", "needs_review", "box"}], "needs_review", "elapsed_ms"}
With --sheet, each PHOTO is a filled DigitSight answer sheet (ml.sheet):
  {"file", "sheet", "student_id": {"number", "confidence"}, "answers",
   "aligned": true, "needs_review"}
A page that does not match prints {"file", "aligned": false, "error"} and the
exit status is 1. A template or regions file that cannot be used stops at
once with exit status 2.
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
    parser.add_argument("--template", type=Path, default=None, help="the blank worksheet (an image)")
    parser.add_argument("--regions", type=Path, default=None, help="its answer areas (JSON)")
    parser.add_argument("--sheet", action="store_true", help="read DigitSight answer sheets")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    args = parser.parse_args(argv)
    if (args.template is None) != (args.regions is None):
        parser.error("--template and --regions go together")
    if args.sheet and args.template is not None:
        parser.error("--sheet reads answer sheets without a template; give one or the other")
    return args


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
    from ml.load import UnreadableImage
    from ml.reader import Reader

    reader = Reader(args.model)
    if args.template is not None or args.sheet:
        return _read_pages(reader, args)
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


def load_regions(path: Path) -> list:
    """The regions of a REGIONS.json file; ValueError with a clear message otherwise."""
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"cannot read the regions file {path}: {error.strerror or error}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the regions file {path} is not JSON ({error})")
    regions = data.get("regions") if isinstance(data, dict) else data
    if not isinstance(regions, list):
        raise ValueError(f'the regions file {path} has no "regions" list')
    return regions


SHEET_KEYS = ("sheet", "student_id", "answers", "aligned", "needs_review")
PAGE_KEYS = ("aligned", "alignment", "answers", "needs_review")


def _read_pages(reader, args) -> int:
    import time

    from ml import worksheet

    if args.template is not None:
        try:
            regions = load_regions(args.regions)
            template = worksheet.prepare_template(args.template)
            regions = worksheet.check_regions(regions, template.size)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    failed = False
    for name in inputs(args.paths):
        started = time.perf_counter()
        if args.sheet:
            result = worksheet.read_sheet(reader, name)
        else:
            result = worksheet.read_against_template(reader, name, args.template, regions)
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        if not result["aligned"]:
            failed = True
            _emit_page(args.json, {"file": name, "aligned": False, "error": result["error"]})
        elif args.sheet:
            student = {k: result["student_id"][k] for k in ("number", "confidence", "needs_review")}
            _emit_page(args.json, {"file": name, **{k: result[k] for k in SHEET_KEYS}, "student_id": student})
        else:
            _emit_page(args.json, {"file": name, **{k: result[k] for k in PAGE_KEYS}, "elapsed_ms": elapsed})
    return 1 if failed else 0


def _emit_page(as_json: bool, row: dict) -> None:
    if as_json:
        print(json.dumps(row), flush=True)
    elif "error" in row:
        print(f"{row['file']}: ERROR {row['error']}", flush=True)
    else:
        answers = ", ".join(f"{a['name']}: {a['number'] or '(blank)'}" for a in row["answers"])
        sheet = f" sheet {row['sheet']} student {row['student_id']['number']}" if "sheet" in row else ""
        review = "  [needs review]" if row["needs_review"] else ""
        print(f"{row['file']}:{sheet} {answers}{review}", flush=True)


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
