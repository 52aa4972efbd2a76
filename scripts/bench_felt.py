"""Felt latency: what a teacher waits for, in headless Chromium against the real stack.

    python scripts/bench_felt.py [--photos 20] [--pages 30] [--app-dir DIR]

Starts gunicorn (sync workers) and a Celery worker (prefork, 2 processes) on PostgreSQL
and Redis in a throwaway database, then, with Playwright driving /usr/bin/chromium:

1. teacher A uploads --photos photos one at a time: click "Upload and read" -> the number
   visible on the detail page (p50/p95/max);
2. teacher B uploads a class set of --pages worksheet pages at once: click -> the first and
   the last graded page visible on the grading page, and in which order they appeared;
3. while B's class is being graded, A uploads --singles more photos: click -> number.

Prints the figures and the commit they were measured on; writes var/reports/felt.json.
`--app-dir` measures another checkout (e.g. `git worktree add /tmp/before main`) with
this script, for before/after figures. Bounded: every wait stops at --timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from bench_load import stop_services  # noqa: E402  (the load benchmark stops the same stack)

PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "felt-password-5c0e7a"  # noqa: S105 (throwaway accounts in a throwaway database)
CHROMIUM = "/usr/bin/chromium"
DETAIL = re.compile(r"/predictions/(?!new/)[^/]+/$")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Records, in the grading page itself, when each student's row first shows "graded":
# Python is busy with teacher A meanwhile, and live.js swaps the rows at any moment.
WATCH_GRADED = """
window.__graded = {};
const note = () => document.querySelectorAll("#submission-rows tr").forEach((row) => {
  const link = row.querySelector("a"), badge = row.querySelector(".badge");
  if (link && badge && badge.textContent.trim() === "graded" && !(link.textContent in window.__graded)) {
    window.__graded[link.textContent] = Date.now();
  }
});
document.addEventListener("DOMContentLoaded", () => {
  note();
  new MutationObserver(note).observe(document.body, { childList: true, subtree: true });
});
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--singles", type=int, default=3, help="photos uploaded during the class set")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--database", default="digitsight_felt")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "reports" / "felt.json")
    return parser.parse_args()


def make_files(folder: Path, photos: int, pages: int) -> tuple[list[Path], list[Path], list[str]]:
    """JPEGs from MNIST *test* digits: single numbers for A, worksheets for B, and B's key."""
    from ml import synth

    rng = np.random.default_rng(11)
    conditions = [c for c in synth.CONDITIONS if c != "worksheet"]
    singles = []
    for i in range(photos):
        path = folder / f"photo-{i:02d}.jpg"
        path.write_bytes(synth.make_sample(rng, conditions[i % len(conditions)]).image)
        singles.append(path)
    sheets, key = [], []
    for i in range(pages):
        sample = synth.make_sample(rng, "worksheet")
        key = key or sample.labels
        path = folder / f"page-{i + 1:02d}.jpg"
        path.write_bytes(sample.image)
        sheets.append(path)
    return singles, sheets, key


def service_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="digitsight.settings.local",
        DJANGO_DEBUG="false",
        DATABASE_URL=f"{PG}/{args.database}",
        REDIS_URL=args.redis,
        DIGITSIGHT_TTS="offline",
        DIGITSIGHT_MEDIA_ROOT=str(args.app_dir / "var" / "felt-media"),
        DIGITSIGHT_UPLOAD_THROTTLE="100000/minute",
        DIGITSIGHT_LOGIN_THROTTLE_FAILURES="100000",
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare(args, env, key: list[str]) -> int:
    """A fresh database with teachers A and B and B's assignment; returns its id."""
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=args.app_dir, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=args.app_dir, env=env, check=True)
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from grading.models import Assignment\n"
        "User = get_user_model()\n"
        f"User.objects.create_user('felt-a', password='{PASSWORD}')\n"
        f"b = User.objects.create_user('felt-b', password='{PASSWORD}')\n"
        f"print(Assignment.objects.create(owner=b, title='Felt class', answer_key={key!r}).pk)\n"
    )
    done = subprocess.run(
        [*manage, "shell", "-c", script],
        cwd=args.app_dir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)
    return int(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_services(args, env) -> list[subprocess.Popen]:
    """gunicorn and the worker; fails rather than measure someone else's server on the port."""
    logs = ROOT / "var" / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    web = [sys.executable, "-m", "gunicorn", "digitsight.wsgi:application", "--bind",
           f"127.0.0.1:{args.port}", "--workers", str(args.web_workers), "--timeout", "60"]  # fmt: skip
    worker = [sys.executable, "-m", "celery", "-A", "digitsight", "worker", "--pool=prefork",
              f"--concurrency={args.workers}", "--loglevel=WARNING", "--without-gossip"]  # fmt: skip
    procs = []
    for name, command in (("felt-web", web), ("felt-worker", worker)):
        log = (logs / f"{name}.log").open("wb")
        procs.append(
            subprocess.Popen(
                command,
                cwd=args.app_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    listening = f"Listening at: http://127.0.0.1:{args.port}".encode()
    while time.monotonic() < deadline and procs[0].poll() is None:
        try:
            ours = listening in (logs / "felt-web.log").read_bytes()
            if ours and requests.get(f"http://127.0.0.1:{args.port}/accounts/login/", timeout=10).ok:
                return procs
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop_services(procs)
    raise RuntimeError("gunicorn did not start; see var/bench-logs/felt-web.log")


def log_in(browser, base: str, username: str, init_script: str = ""):
    context = browser.new_context(base_url=base)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def photo_seconds(page, photo: Path, timeout: float, phases: list | None = None) -> float:
    """Click "Upload and read" -> the number (or "no number found") visible.

    `phases` collects (click -> detail page loaded, detail page -> number) for the breakdown.
    """
    page.goto("/predictions/new/")
    page.get_by_label("Photos or scans").set_input_files(photo)
    started = time.time()
    page.get_by_role("button", name="Upload and read").click()
    page.wait_for_url(DETAIL, wait_until="domcontentloaded", timeout=timeout * 1000)
    loaded = time.time()
    page.get_by_test_id("shown-number").wait_for(state="visible", timeout=timeout * 1000)
    if phases is not None:
        phases.append((loaded - started, time.time() - loaded))
    return time.time() - started


def class_set(page_a, page_b, assignment: int, sheets, singles, timeout: float) -> dict:
    page_b.goto(f"/assignments/{assignment}/upload/")
    page_b.get_by_label("Worksheets").set_input_files(sheets)
    started = time.time()
    page_b.get_by_role("button", name="Upload and grade").click()
    page_b.wait_for_url(f"**/assignments/{assignment}/")
    uploaded = time.time() - started
    during = [photo_seconds(page_a, photo, timeout) for photo in singles]
    deadline = time.monotonic() + timeout
    graded = {}
    while time.monotonic() < deadline:
        graded = page_b.evaluate("window.__graded || {}")
        if len(graded) >= len(sheets):
            break
        time.sleep(0.1)
    order = [name for name, _ in sorted(graded.items(), key=lambda item: item[1])]
    seconds = sorted(t / 1000 - started for t in graded.values())
    return {
        "pages": len(sheets),
        "graded_on_screen": len(graded),
        "upload_request_s": round(uploaded, 2),
        "first_graded_s": round(seconds[0], 2) if seconds else None,
        "last_graded_s": round(seconds[-1], 2) if seconds else None,
        "first_five_on_screen": order[:5],
        "single_photo_during_class_s": [round(s, 2) for s in during],
    }


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=20, method="inclusive") if len(ordered) > 1 else ordered * 19
    return {"n": len(ordered), "p50_s": round(statistics.median(ordered), 2), "p95_s": round(cuts[18], 2),
            "max_s": round(ordered[-1], 2)}  # fmt: skip


def commit_of(folder: Path) -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder, capture_output=True, text=True
    )
    return head.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")


def watch_polls(page) -> list[float]:
    """Milliseconds from request to response end of every live-status poll the page makes."""
    polls: list[float] = []

    def finished(request):
        if request.url.rstrip("/").endswith("/live"):
            polls.append(request.timing["responseEnd"])

    page.on("requestfinished", finished)
    return polls


def measure(args, base: str, assignment: int, singles, sheets) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page_a = log_in(browser, base, "felt-a")
        page_b = log_in(browser, base, "felt-b", WATCH_GRADED)
        for photo in singles[:2]:  # warm-up: each worker process loads the models once
            photo_seconds(page_a, photo, args.timeout)
        polls = watch_polls(page_a)
        phases: list[tuple[float, float]] = []
        photos = [
            photo_seconds(page_a, photo, args.timeout, phases) for photo in singles[2 : 2 + args.photos]
        ]
        # Polls made until each number showed; the readout's few come on top.
        polling = {
            "click_to_page_p50_s": round(statistics.median(p[0] for p in phases), 2),
            "page_to_number_p50_s": round(statistics.median(p[1] for p in phases), 2),
            "polls_per_photo": round(len(polls) / len(photos), 1),
        }
        if polls:
            polling["poll_ms_p50"] = round(statistics.median(polls), 1)
        during = singles[2 + args.photos :]
        result = {
            "photo": {**percentiles(photos), **polling},
            "class_set": class_set(page_a, page_b, assignment, sheets, during, args.timeout),
        }
        browser.close()
    return result


def main() -> dict:
    args = parse_args()
    args.app_dir = args.app_dir.resolve()
    commit = commit_of(args.app_dir)
    args.port = args.port or free_port()
    subprocess.run([str(ROOT / "scripts" / "services.sh")], check=True)
    env = service_env(args)
    with tempfile.TemporaryDirectory() as folder:
        singles, sheets, key = make_files(Path(folder), 2 + args.photos + args.singles, args.pages)
        assignment = prepare(args, env, key)
        procs = start_services(args, env)
        try:
            figures = measure(args, f"http://127.0.0.1:{args.port}", assignment, singles, sheets)
        finally:
            stop_services(procs)
    report = {
        "commit": commit,
        "celery_worker_processes": args.workers,
        "gunicorn_sync_workers": args.web_workers,
        "cpus": os.cpu_count(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        **figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
