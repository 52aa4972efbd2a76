"""The worksheet benchmark: generated worksheets and answer sheets, filled with MNIST test digits.

    python -m ml.evaluate --worksheets [--worksheet-pages 40] [--sheet-pages 20] [--tune]

Each blank worksheet (ml.worksheets_synth: four layouts, several print
fonts, 5-10 questions) is filled in once and photographed twice, as a flatbed
scan and as a 12 MP phone photo on a table; each answer sheet likewise. The
figures, per kind of page and overall:

- pages right: every answer of the page read exactly ("" for a blank);
- answers right; flagged: answers marked needs_review;
- silent errors: answers read wrong and *not* flagged, the ones a teacher
  would never see (a page that is refused counts as flagged, not silent);
- ms per page: reading time from the encoded photo (the template prepared once
  per set), median and 90th percentile, on one core (OpenCV limited to one
  thread; LiteRT runs on one): wall time, and the process's CPU time, which a
  busy machine does not inflate.
"""

from __future__ import annotations

import time

import numpy as np

from ml import worksheet
from ml import worksheets_synth as ws


def worksheet_benchmark(reader, pages: int = 40, sheets: int = 20, seed: int = 7, pool=None) -> dict:
    import cv2

    cv2.setNumThreads(1)
    rng = np.random.default_rng(seed)
    rows = {key: [] for key in ("worksheet_scan", "worksheet_phone", "sheet_scan", "sheet_phone")}
    for k in range(pages):
        blank = ws.make_template(rng, ws.LAYOUTS[k % len(ws.LAYOUTS)])
        filled = ws.fill(rng, blank, pool)
        worksheet.prepare_template(blank.image)  # once per class set, not per page: not timed
        for kind in ("scan", "phone"):
            photo = _photo(rng, kind, filled.image)
            started = time.perf_counter(), time.process_time()
            result = worksheet.read_against_template(reader, photo, blank.image, blank.regions)
            rows[f"worksheet_{kind}"].append(_score(result, filled.labels, started))
    for _ in range(sheets):
        page, sheet_id, student = ws.sheet_page(rng, pool)
        for kind in ("scan", "phone"):
            photo = _photo(rng, kind, page.image)
            started = time.perf_counter(), time.process_time()
            result = worksheet.read_sheet(reader, photo)
            row = _score(result, page.labels, started)
            row["sheet_found"] = result.get("sheet") == sheet_id
            row["student_right"] = result.get("student_id", {}).get("number") == student
            rows[f"sheet_{kind}"].append(row)
    report = {key: _summary(found) for key, found in rows.items() if found}
    report["overall"] = _summary([row for found in rows.values() for row in found])
    report["seed"] = seed
    return report


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
    if "sheet_found" in rows[0]:
        out["sheet_id_read"] = sum(r.get("sheet_found", False) for r in rows) / len(rows)
        out["student_id_right"] = sum(r.get("student_right", False) for r in rows) / len(rows)
    return out


def print_report(report: dict) -> None:
    print("\nworksheet benchmark (MNIST test digits; one core)")
    header = f"{'pages':18s} {'n':>4s} {'pages ok':>9s} {'answers ok':>11s} {'silent':>7s} {'flagged':>8s}"
    print(f"{header} {'ms med':>7s} {'ms p90':>7s} {'cpu med':>7s} {'cpu p90':>7s}  extra")
    for key, row in report.items():
        if not isinstance(row, dict):
            continue
        extra = ""
        if "student_id_right" in row:
            extra = f"sheet id {row['sheet_id_read']:.3f}, student id {row['student_id_right']:.3f}"
        print(
            f"{key:18s} {row['pages']:4d} {row['pages_right']:9.3f} {row['answers_right']:11.4f} "
            f"{row['silent_errors']:7.4f} {row['flagged']:8.3f} {row['median_ms_per_page']:7.0f} "
            f"{row['p90_ms_per_page']:7.0f} {row['median_cpu_ms_per_page']:7.0f} "
            f"{row['p90_cpu_ms_per_page']:7.0f}  {extra}"
        )
