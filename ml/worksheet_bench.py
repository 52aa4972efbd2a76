"""The worksheet benchmark: generated worksheets and answer sheets, filled with MNIST test digits.

    python -m ml.evaluate --worksheets [--worksheet-pages 40] [--sheet-pages 20] [--tune]
        [--worksheet-seed N] [--worksheet-layouts table,dpi300] [--dump-failures DIR] [--page-cache DIR]
        [--worksheet-regions generator|proposed]

The reported figures use seed 7 and MNIST test digits; --tune draws
training digits on another seed (1007 unless told), so that constants tuned
on it are not tuned on the reported pages.

Each blank worksheet (ml.worksheets_synth: four layouts, several print
fonts, 5-10 questions) is filled in once and photographed twice, as a flatbed
scan and as a 12 MP phone photo on a table; each answer sheet likewise. The
figures, per kind of page and overall (and per layout and kind):

- pages right: every answer of the page read exactly ("" for a blank);
- answers right; flagged: answers marked needs_review;
- silent errors: answers read wrong and *not* flagged, the ones a teacher
  would never see (a page that is refused counts as flagged, not silent);
- ms per page: reading time from the encoded photo (the template prepared once
  per set), median and 90th percentile, on one core (OpenCV limited to one
  thread; LiteRT runs on one): wall time, and the process's CPU time, which a
  busy machine does not inflate.

--worksheet-layouts draws only the named layouts, in turn (ws.LAYOUTS or
ws.EXTRA_LAYOUTS: a table's last column, dotted lines with a unit, grey rounded
boxes, a 300 dpi scan); the reported figures keep the default four.

--worksheet-regions proposed reads each worksheet against the areas
ml.regions proposes on its blank template (as a teacher who confirms them
unchanged would), not the generator's own: the whole path from blank upload
to answers. A proposed area is the generator's area it overlaps most, if
their intersection over union is at least MATCH (one to one). Each kind and
layout then also reports areas found, missed and extra; the answer of a
missed area counts as wrong but not as silent (the teacher confirming the
areas sees a question with none), an extra area's reading is left out.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ml import worksheet
from ml import worksheets_synth as ws

REPORT_SEED, TUNE_SEED = 7, 1007
REGION_SOURCES = ("generator", "proposed")
MATCH = 0.5  # intersection over union at which a proposed area is the generator's


def worksheet_benchmark(
    reader,
    pages: int = 40,
    sheets: int = 20,
    seed: int = REPORT_SEED,
    pool=None,
    dump: Path | None = None,
    cache: Path | None = None,
    layouts: tuple[str, ...] = ws.LAYOUTS,
    regions: str = "generator",
) -> dict:
    """The figures per kind of page; `dump` keeps every page read wrong (photo, template, labels).

    `cache` keeps the generated photos (the slow part, and independent of the
    reading) so that a change to the reader can be measured again on the same pages.
    `regions` is where the worksheets' areas come from (REGION_SOURCES).
    """
    import cv2

    if regions not in REGION_SOURCES:
        raise ValueError(f"unknown region source {regions!r}; known: {', '.join(REGION_SOURCES)}")
    cv2.setNumThreads(1)
    rows = {key: [] for key in ("worksheet_scan", "worksheet_phone", "sheet_scan", "sheet_phone")}
    by_layout: dict[str, list] = {}
    failures = []
    proposals: dict[bytes, tuple] = {}
    for case in _cases(pages, sheets, seed, pool, cache, tuple(layouts)):
        blank = case.get("blank")
        areas = None
        if blank is not None:
            worksheet.prepare_template(blank.image)  # once per class set, not per page: not timed
            if regions == "proposed":
                areas = _proposed(blank, proposals)
        started = time.perf_counter(), time.process_time()
        if areas is not None:
            result = _read_proposed(reader, case["photo"], blank, *areas)
        elif blank is not None:
            result = worksheet.read_against_template(reader, case["photo"], blank.image, blank.regions)
        else:
            result = worksheet.read_sheet(reader, case["photo"])
        row = _score(result, case["labels"], started)
        if areas is not None:
            row.update(_region_counts(areas[1], len(areas[0])))
        where = {"kind": case["kind"], "page": case["page"]}
        if blank is None:
            row["sheet_found"] = result.get("sheet") == case["sheet"]
            row["student_right"] = result.get("student_id", {}).get("number") == case["student"]
            where["student"] = case["student"]
        else:
            where["layout"] = blank.layout
            by_layout.setdefault(f"{blank.layout} {case['kind'].split('_')[1]}", []).append(row)
        rows[case["kind"]].append(row)
        failures += _failures(result, case["labels"], where, dump, case["photo"], blank)
    report = {key: _summary(found) for key, found in rows.items() if found}
    report["overall"] = _summary([row for found in rows.values() for row in found])
    report["layouts"] = {key: _summary(found) for key, found in sorted(by_layout.items())}
    report["seed"] = seed
    report["regions"] = regions
    report["digits"] = "MNIST test" if pool is None else "given pool (training digits with --tune)"
    report["failures"] = failures
    return report


def _proposed(blank, memo: dict) -> tuple[list[dict], list[int | None]]:
    """ml.regions' areas on a blank and, per generator area, the index of its match (None: missed);
    worked out once per template (a page's scan and photo share it), outside the timing."""
    from ml import regions

    key = blank.image.tobytes()
    if key not in memo:
        found = regions.propose_regions(blank.image)
        memo.clear()  # pages come template by template: keep one
        memo[key] = (found, match_regions([r["box"] for r in found], [r["box"] for r in blank.regions]))
    return memo[key]


def match_regions(found: list[list], expected: list[list]) -> list[int | None]:
    """Per expected box, the index of the found box matched to it (None where none is): best
    intersection over union first, each box matched at most once, at least MATCH."""
    pairs = sorted(
        ((iou(f, e), i, j) for i, f in enumerate(found) for j, e in enumerate(expected)),
        reverse=True,
    )
    match: list[int | None] = [None] * len(expected)
    taken = set()
    for overlap, i, j in pairs:
        if overlap < MATCH:
            break
        if match[j] is None and i not in taken:
            match[j] = i
            taken.add(i)
    return match


def iou(a, b) -> float:
    """Intersection over union of two [x, y, w, h] boxes."""
    wide = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    high = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(0, wide) * max(0, high)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _read_proposed(reader, photo: bytes, blank, found: list[dict], match: list[int | None]) -> dict:
    """The page read against the proposed areas, its answers put in the generator's order: None
    for an area none was proposed for."""
    if not found:  # nothing proposed: the teacher would draw every area
        return {"aligned": True, "answers": [None] * len(match)}
    result = worksheet.read_against_template(reader, photo, blank.image, found)
    if result["aligned"]:
        result["answers"] = [None if i is None else result["answers"][i] for i in match]
    return result


def _region_counts(match: list[int | None], proposed: int) -> dict:
    found = sum(i is not None for i in match)
    return {"regions": len(match), "found": found, "missed": len(match) - found, "extra": proposed - found}


def _cases(pages: int, sheets: int, seed: int, pool, cache: Path | None, layouts=ws.LAYOUTS):
    """The photographed pages, each {"kind", "page", "photo", "labels", ...}, the same for a seed."""
    if cache is None:
        yield from _generated(pages, sheets, seed, pool, layouts)
        return
    folder = cache / f"seed{seed}-w{pages}-s{sheets}-{'test' if pool is None else 'pool'}"
    if layouts != ws.LAYOUTS:
        folder = folder.with_name(folder.name + "-" + "+".join(layouts))
    if not (folder / "done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for k, case in enumerate(_generated(pages, sheets, seed, pool, layouts)):
            _store(folder / f"{k:05d}", case)
        (folder / "done").touch()
    for path in sorted(folder.glob("*.json")):
        yield _load(path.with_suffix(""))


def _store(stem: Path, case: dict) -> None:
    import cv2

    meta = {k: v for k, v in case.items() if k not in ("photo", "blank")}
    stem.with_suffix(".jpg").write_bytes(case["photo"])
    if case.get("blank") is not None:
        blank = case["blank"]
        cv2.imwrite(str(stem) + "-template.png", blank.image)
        meta["blank"] = {"regions": blank.regions, "layout": blank.layout}
    stem.with_suffix(".json").write_text(json.dumps(meta))


def _load(stem: Path) -> dict:
    import cv2

    case = json.loads(stem.with_suffix(".json").read_text())
    case["photo"] = stem.with_suffix(".jpg").read_bytes()
    if "blank" in case:
        image = cv2.imread(str(stem) + "-template.png", cv2.IMREAD_GRAYSCALE)
        case["blank"] = ws.Page(image, case["blank"]["regions"], layout=case["blank"]["layout"])
    return case


def _generated(pages: int, sheets: int, seed: int, pool, layouts=ws.LAYOUTS):
    rng = np.random.default_rng(seed)
    for k in range(pages):
        blank = ws.make_template(rng, layouts[k % len(layouts)])
        filled = ws.fill(rng, blank, pool)
        for kind in ("scan", "phone"):
            photo = _photo(rng, kind, filled.image)
            labels = filled.labels
            yield {"kind": f"worksheet_{kind}", "page": k, "photo": photo, "labels": labels, "blank": blank}
    for k in range(sheets):
        page, sheet_id, student = ws.sheet_page(rng, pool)
        for kind in ("scan", "phone"):
            photo = _photo(rng, kind, page.image)
            yield {
                "kind": f"sheet_{kind}",
                "page": k,
                "photo": photo,
                "labels": page.labels,
                "sheet": sheet_id,
                "student": student,
            }


def _failures(result: dict, labels: list[str], page: dict, dump: Path | None, photo: bytes, blank=None):
    """One row per answer read wrong (or per page refused); the page itself goes to `dump`."""
    if not result["aligned"]:
        found = [{**page, "error": result.get("error", "")}]
    else:
        found = [
            _wrong(page, k, a, label)
            for k, (a, label) in enumerate(zip(result["answers"], labels, strict=True))
            if a is None or a["number"] != label
        ]
        student = result.get("student_id", {}).get("number")
        if "student" in page and student != page["student"]:
            found.append({**page, "name": "student_id", "label": page["student"], "read": student})
    if found and dump is not None:
        stem = dump / f"{page['kind']}-{page['page']}"
        dump.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".jpg").write_bytes(photo)
        if blank is not None:
            import cv2

            cv2.imwrite(str(stem) + "-template.png", blank.image)
        extra = {"regions": blank.regions} if blank is not None else {}
        stem.with_suffix(".json").write_text(json.dumps({"labels": labels, "failures": found, **extra}))
    return found


def _wrong(page: dict, k: int, answer: dict | None, label: str) -> dict:
    if answer is None:  # the generator's area k had no proposed area
        return {**page, "name": str(k + 1), "label": label, "read": None, "missed": True}
    read = {"read": answer["number"], "flagged": answer["needs_review"]}
    return {**page, "name": answer["name"], "label": label, **read}


def _photo(rng, kind: str, image: np.ndarray) -> bytes:
    shot = ws.scan(rng, image)[0] if kind == "scan" else ws.phone_photo(rng, image)[0]
    return ws.encode(shot, rng)


def _score(result: dict, labels: list[str], started: tuple[float, float]) -> dict:
    timing = {
        "ms": (time.perf_counter() - started[0]) * 1000,
        "cpu_ms": (time.process_time() - started[1]) * 1000,
    }
    if not result["aligned"]:
        return {
            "answers": len(labels),
            "right": 0,
            "flagged": len(labels),
            "silent": 0,
            "aligned": 0,
            **timing,
        }
    right = flagged = silent = 0
    for answer, label in zip(result["answers"], labels, strict=True):
        if answer is None:
            continue  # a missed area: wrong, and not silent (see the module's notes)
        ok = answer["number"] == label
        right += ok
        flagged += answer["needs_review"]
        silent += not ok and not answer["needs_review"]
    return {
        "answers": len(labels),
        "right": right,
        "flagged": flagged,
        "silent": silent,
        "aligned": 1,
        **timing,
    }


def _summary(rows: list[dict]) -> dict:
    answers = sum(r["answers"] for r in rows)
    out = {
        "pages": len(rows),
        "pages_right": sum(r["right"] == r["answers"] for r in rows) / len(rows),
        "aligned": sum(r["aligned"] for r in rows) / len(rows),
        "answers": answers,
        "answers_right": sum(r["right"] for r in rows) / answers,
        "silent_errors": sum(r["silent"] for r in rows) / answers,
        "flagged": sum(r["flagged"] for r in rows) / answers,
        "median_ms_per_page": float(np.median([r["ms"] for r in rows])),
        "p90_ms_per_page": float(np.percentile([r["ms"] for r in rows], 90)),
        "median_cpu_ms_per_page": float(np.median([r["cpu_ms"] for r in rows])),
        "p90_cpu_ms_per_page": float(np.percentile([r["cpu_ms"] for r in rows], 90)),
    }
    if "regions" in rows[0]:
        for key in ("regions", "found", "missed", "extra"):
            out[key] = sum(r.get(key, 0) for r in rows)
    if "sheet_found" in rows[0]:
        out["sheet_id_read"] = sum(r.get("sheet_found", False) for r in rows) / len(rows)
        out["student_id_right"] = sum(r.get("student_right", False) for r in rows) / len(rows)
    return out


def print_report(report: dict) -> None:
    print(f"\nworksheet benchmark ({report.get('digits', 'MNIST test')} digits; one core)")
    header = f"{'pages':18s} {'n':>4s} {'pages ok':>9s} {'answers ok':>11s} {'silent':>7s} {'flagged':>8s}"
    print(f"{header} {'ms med':>7s} {'ms p90':>7s} {'cpu med':>7s} {'cpu p90':>7s}  extra")
    for key, row in [*report.items(), *report.get("layouts", {}).items()]:
        if not isinstance(row, dict) or key == "layouts":
            continue
        extra = ""
        if "student_id_right" in row:
            extra = f"sheet id {row['sheet_id_read']:.3f}, student id {row['student_id_right']:.3f}"
        if "regions" in row:
            extra = f"areas {row['found']}/{row['regions']} found, {row['missed']} missed,"
            extra += f" {row['extra']} extra"
        print(
            f"{key:18s} {row['pages']:4d} {row['pages_right']:9.3f} {row['answers_right']:11.4f} "
            f"{row['silent_errors']:7.4f} {row['flagged']:8.3f} {row['median_ms_per_page']:7.0f} "
            f"{row['p90_ms_per_page']:7.0f} {row['median_cpu_ms_per_page']:7.0f} "
            f"{row['p90_cpu_ms_per_page']:7.0f}  {extra}"
        )
    where = f", {report['regions']} regions" if "regions" in report else ""
    print(f"seed {report.get('seed')}, {report.get('digits', 'MNIST test')} digits{where}")
    for failure in report.get("failures", []):
        print("  wrong:", " ".join(f"{k}={v!r}" for k, v in failure.items()))
