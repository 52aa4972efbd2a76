"""What a class page costs the worker: read by area (what worksheets do now) vs the whole page.

    PYTHONPATH=. .venv/bin/python scripts/bench_worksheet_pages.py

Pages are ml.worksheets_synth worksheets (8 questions, MNIST *test* digits), scanned or
photographed with a phone; prints median seconds per page and the answers read right.
"""

import time

import numpy as np

from ml import worksheets_synth as ws
from ml.reader import get_reader
from ml.worksheet import read_against_template


def main(pages: int = 6) -> None:
    reader = get_reader()
    blank = ws.make_template(np.random.default_rng(0), "beside", questions=8)
    template = ws.encode(blank.image)
    for kind in ("scan", "phone"):
        by_area, whole, right, total = [], [], 0, 0
        for seed in range(1, pages + 1):
            rng = np.random.default_rng(seed)
            filled = ws.fill(rng, blank, blank_share=0)
            image = ws.scan(rng, filled.image)[0] if kind == "scan" else ws.phone_photo(rng, filled.image)[0]
            data = ws.encode(image)
            start = time.perf_counter()
            page = read_against_template(reader, data, template, blank.regions)
            by_area.append(time.perf_counter() - start)
            start = time.perf_counter()
            reader.read(data)
            whole.append(time.perf_counter() - start)
            read = [a["number"] for a in page.get("answers", [])]
            right += sum(a == b for a, b in zip(read, filled.labels, strict=False))
            total += len(filled.labels)
        print(
            f"{kind:5s}: by area {np.median(by_area):.2f} s/page, whole page {np.median(whole):.2f} s/page, "
            f"answers read right {right}/{total}"
        )


if __name__ == "__main__":
    main()
