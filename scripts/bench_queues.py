"""Queue benchmark: one teacher's photo while a 200-page class upload is queued.

    python scripts/bench_queues.py --pages 200

Starts gunicorn and a Celery worker (prefork, 2 processes, consuming all four queues) on
PostgreSQL and Redis in a throwaway database (scripts/bench_load.py's stack). Measures a
photo's upload->result time on idle queues, then queues a class upload of --pages pages (PDFs
of --pdf-pages pages each, through the submissions API: the "pages" queue), uploads one photo
(the "photos" queue) and measures its upload->result time, with the number of pages still
waiting at that moment. The workers stop taking pages while the class upload is sent (its
requests render the PDFs) and start again just before the photo, so all pages are queued.
Prints the figures and writes them to var/reports/queues.json.
"""

from __future__ import annotations

import argparse
import io
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests
from celery import Celery

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import bench_load  # noqa: E402  (the same stack as the load benchmark)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--pdf-pages", type=int, default=50, help="pages per PDF (the upload limit)")
    parser.add_argument("--idle-photos", type=int, default=5, help="photos timed on idle queues first")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--database", default="digitsight_bench_queues")
    # A database of its own: test runs flush theirs (cache.clear()), bench_load.py uses 9.
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "reports" / "queues.json")
    args = parser.parse_args()
    args.teachers = 1
    return args


def worksheet_pdf(pages: int) -> bytes:
    """A class scan: worksheet photos made of MNIST test digits, one student per page."""
    import numpy as np
    from PIL import Image

    from ml import synth

    rng = np.random.default_rng(11)
    sheets = [
        Image.open(io.BytesIO(synth.make_sample(rng, "worksheet").image)).convert("RGB") for _ in range(8)
    ]
    images = [sheets[i % len(sheets)] for i in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


def timed_photo(session, base: str, photo: bytes, deadline: float) -> tuple[float, dict]:
    """Upload one photo and poll until it is read: (seconds, final body)."""
    started = time.monotonic()
    response = session.post(f"{base}/api/predictions/", files={"image": ("me.jpg", photo, "image/jpeg")})
    response.raise_for_status()
    pk = response.json()["id"]
    while time.monotonic() < deadline:
        body = session.get(f"{base}/api/predictions/{pk}/").json()
        if body["status"] in ("done", "failed"):
            return time.monotonic() - started, body
        time.sleep(0.05)
    raise TimeoutError("the photo was not read in time")


def queue_class_upload(session, base: str, args) -> None:
    assignment = session.post(
        f"{base}/api/assignments/", json={"title": "Class 5B", "answer_key": ["12"] * 5}
    )
    assignment.raise_for_status()
    url = f"{base}/api/assignments/{assignment.json()['id']}/submissions/"
    queued = 0
    while queued < args.pages:
        count = min(args.pdf_pages, args.pages - queued)
        files = {"image": ("class.pdf", worksheet_pdf(count), "application/pdf")}
        response = session.post(url, files=files, timeout=300)
        response.raise_for_status()
        queued += count


def pages_left(args) -> int:
    """Class pages not graded yet (read straight from the throwaway database)."""
    sql = "SELECT count(*) FROM grading_submission WHERE status NOT IN ('graded', 'failed')"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", args.database, "-tAc", sql]
    return int(subprocess.run(psql, check=True, capture_output=True, text=True).stdout.strip())


def start_worker(args, env) -> subprocess.Popen:
    """The load benchmark's worker command again; returns once it answers a ping."""
    command = [sys.executable, "-m", "celery", "-A", "digitsight", "worker", "--pool=prefork",
               f"--concurrency={args.workers}", "--loglevel=WARNING", "--without-gossip"]  # fmt: skip
    log_file = (ROOT / "var" / "bench-logs" / "worker-queues.log").open("ab")
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                              start_new_session=True)  # fmt: skip
    control = Celery(broker=args.redis).control
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if control.ping(timeout=0.5):
            return worker
    bench_load.stop_services([worker])
    raise RuntimeError("the worker did not start; see var/bench-logs/worker-queues.log")


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def main() -> dict:
    args = parse_args()
    # `timeout` sends SIGTERM: stop gunicorn and the worker on the way out (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    subprocess.run([str(ROOT / "scripts" / "services.sh")], check=True)
    env = bench_load.service_env(args) | {"DIGITSIGHT_MEDIA_ROOT": str(ROOT / "var" / "bench-queues-media")}
    photo = bench_load.make_photos(1)[0][0]
    bench_load.prepare_database(args, env)
    procs = bench_load.start_services(args, env)
    broker = redis.Redis.from_url(args.redis)
    try:
        base = f"http://127.0.0.1:{args.port}"
        deadline = time.monotonic() + args.timeout
        session = requests.Session()
        login = {"username": "bench0", "password": bench_load.PASSWORD}
        token = session.post(f"{base}/api/auth/token/", json=login).json()["token"]
        session.headers["Authorization"] = f"Token {token}"
        timed_photo(session, base, photo, deadline)  # warm-up: the worker processes load the model
        idle = [timed_photo(session, base, photo, deadline)[0] for _ in range(args.idle_photos)]

        # Rendering 200 pages in the requests takes a while: stop the worker meanwhile, so the
        # photo really arrives behind the whole class upload, then start it and send the photo.
        bench_load.stop_services([procs.pop()])
        started = time.monotonic()
        queue_class_upload(session, base, args)
        queued_for = time.monotonic() - started
        log("class upload queued in", round(queued_for, 1), "s;", broker.llen("pages"), "pages waiting")
        procs.append(start_worker(args, env))
        waiting_before = broker.llen("pages")
        busy, body = timed_photo(session, base, photo, deadline)
        waiting_after = broker.llen("pages")
        log("photo read in", round(busy, 3), "s")
        while time.monotonic() < deadline and pages_left(args):
            time.sleep(0.5)
        all_pages = time.monotonic() - started
        report = {
            "pages": args.pages,
            "celery_worker_processes": args.workers,
            "photo_idle_median_s": round(statistics.median(idle), 3),
            "photo_with_pages_queued_s": round(busy, 3),
            "photo_status": body["status"],
            "pages_queued_when_photo_uploaded": waiting_before,
            "pages_queued_when_photo_read": waiting_after,
            "class_upload_requests_s": round(queued_for, 1),
            "all_pages_graded_s": round(all_pages, 1),
            "pages_left_ungraded": pages_left(args),
        }
    finally:
        bench_load.stop_services(procs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
