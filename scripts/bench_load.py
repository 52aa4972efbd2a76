"""Load benchmark: simulated teachers uploading photos through the real stack.

    python scripts/bench_load.py --teachers 50 --photos 500

Starts gunicorn and a Celery worker (prefork, 2 processes) on PostgreSQL and
Redis, in a throwaway database, then has every teacher upload their share of
generated photos through the REST API and poll until each is read. Prints
throughput, upload-to-result latency, 5xx count, lost predictions, reading
accuracy and worker memory; writes the same figures to var/reports/load.json.
Bounded: every loop stops at --timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "bench-password-8d1f2c"  # noqa: S105 (throwaway accounts in a throwaway database)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=50)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--database", default="digitsight_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "reports" / "load.json")
    return parser.parse_args()


def make_photos(count: int, seed: int = 3) -> list[tuple[bytes, str]]:
    """JPEG photos of numbers drawn from MNIST test digits, with their truth."""
    from ml import synth

    rng = np.random.default_rng(seed)
    conditions = [c for c in synth.CONDITIONS if c != "worksheet"]
    photos = []
    for i in range(min(count, 60)):
        sample = synth.make_sample(rng, conditions[i % len(conditions)])
        photos.append((sample.image, " ".join(sample.labels)))
    return [photos[i % len(photos)] for i in range(count)]


def service_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="digitsight.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=f"{PG}/{args.database}",
        REDIS_URL=args.redis,
        DIGITSIGHT_TTS="offline",
        DIGITSIGHT_MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
        DIGITSIGHT_UPLOAD_THROTTLE="100000/minute",
        DIGITSIGHT_LOGIN_THROTTLE_FAILURES="100000",
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare_database(args, env) -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    script = (
        "from django.contrib.auth import get_user_model\n"
        "User = get_user_model()\n"
        f"for i in range({args.teachers}):\n"
        f"    User.objects.create_user(f'bench{{i}}', password='{PASSWORD}')\n"
    )
    subprocess.run([*manage, "shell", "-c", script], cwd=ROOT, env=env, check=True)
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)


def start_services(args, env) -> list[subprocess.Popen]:
    logs = ROOT / "var" / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    web = [sys.executable, "-m", "gunicorn", "digitsight.wsgi:application", "--bind",
           f"127.0.0.1:{args.port}", "--workers", str(args.web_workers), "--timeout", "60"]  # fmt: skip
    worker = [sys.executable, "-m", "celery", "-A", "digitsight", "worker", "--pool=prefork",
              f"--concurrency={args.workers}", "--loglevel=WARNING", "--without-gossip"]  # fmt: skip
    procs = []
    for name, command in (("web", web), ("worker", worker)):
        log = (logs / f"{name}.log").open("wb")
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True))  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/accounts/login/", timeout=10)
            return procs
        except requests.RequestException:
            time.sleep(0.5)
    stop_services(procs)
    raise RuntimeError("gunicorn did not start; see var/bench-logs/web.log")


def stop_services(procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def worker_rss_mb(worker: subprocess.Popen) -> dict:
    """Resident memory of the worker's main process and its pool children."""
    pids = [worker.pid]
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    sizes = {}
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
    return {"main_mb": round(sizes.get(worker.pid, 0), 1),
            "children_mb": [round(v, 1) for p, v in sizes.items() if p != worker.pid]}  # fmt: skip


class Teacher:
    def __init__(self, base: str, index: int, stats: dict, lock: threading.Lock, deadline: float):
        self.base, self.stats, self.lock, self.deadline = base, stats, lock, deadline
        self.session = requests.Session()
        token = self._call(
            "post", "/api/auth/token/", json={"username": f"bench{index}", "password": PASSWORD}
        )
        self.session.headers["Authorization"] = f"Token {token.json()['token']}"

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = getattr(self.session, method)(self.base + path, timeout=60, **kwargs)
        with self.lock:
            self.stats["requests"] += 1
            if response.status_code >= 500:
                self.stats["5xx"] += 1
        return response

    def upload(self, photo: bytes) -> tuple[str | None, float]:
        started = time.monotonic()
        files = {"image": ("photo.jpg", photo, "image/jpeg")}
        response = self._call("post", "/api/predictions/", files=files)
        if response.status_code not in (201, 202):
            with self.lock:
                self.stats["rejected"] += 1
            return None, started
        return response.json()["id"], started

    def wait(self, pk: str) -> dict | None:
        while time.monotonic() < self.deadline:
            body = self._call("get", f"/api/predictions/{pk}/").json()
            if body["status"] in ("done", "failed"):
                return body
            time.sleep(0.25)
        return None


def run_teacher(teacher: Teacher, photos, results: list, lock) -> None:
    for photo, truth in photos:
        pk, started = teacher.upload(photo)
        if pk is None:
            continue
        body = teacher.wait(pk)
        latency = time.monotonic() - started
        with lock:
            results.append({"id": pk, "truth": truth, "latency": latency, "body": body})


def summarize(args, results, stats, seconds, rss) -> dict:
    finished = [r for r in results if r["body"] is not None]
    done = [r for r in finished if r["body"]["status"] == "done"]
    latencies = sorted(r["latency"] for r in finished)

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 3) if latencies else None

    correct = sum(r["body"]["number"] == r["truth"] for r in done)
    return {
        "teachers": args.teachers,
        "photos": args.photos,
        "celery_worker_processes": args.workers,
        "gunicorn_workers": args.web_workers,
        "seconds": round(seconds, 1),
        "throughput_photos_per_s": round(len(finished) / seconds, 2) if seconds else None,
        "latency_p50_s": pct(0.50),
        "latency_p95_s": pct(0.95),
        "latency_mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "requests": stats["requests"],
        "http_5xx": stats["5xx"],
        "uploads_rejected": stats["rejected"],
        "done": len(done),
        "failed": len(finished) - len(done),
        "lost": args.photos - len(finished),
        "read_exactly": correct,
        "worker_rss": rss,
    }


def main() -> dict:
    args = parse_args()
    subprocess.run([str(ROOT / "scripts" / "services.sh")], check=True)
    env = service_env(args)
    photos = make_photos(args.photos)
    prepare_database(args, env)
    procs = start_services(args, env)
    try:
        base = f"http://127.0.0.1:{args.port}"
        stats = {"requests": 0, "5xx": 0, "rejected": 0}
        lock = threading.Lock()
        started = time.monotonic()
        deadline = started + args.timeout
        teachers = [Teacher(base, i, stats, lock, deadline) for i in range(args.teachers)]
        shares = [photos[i :: args.teachers] for i in range(args.teachers)]
        results: list = []
        with ThreadPoolExecutor(max_workers=args.teachers) as pool:
            for teacher, share in zip(teachers, shares, strict=True):
                pool.submit(run_teacher, teacher, share, results, lock)
        seconds = time.monotonic() - started
        report = summarize(args, results, stats, seconds, worker_rss_mb(procs[1]))
    finally:
        stop_services(procs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
