"""The Celery queues (no Django imports: the settings load this).

Each kind of work has its own queue so that a big job cannot starve a small one: with Redis,
a worker that consumes several queues takes from them in turn, so a teacher's photo waits
behind at most one page per worker process, not behind a whole 200-page class upload.
"""

PHOTOS = "photos"  # a teacher's own uploads and re-runs: someone is watching the screen
PAGES = "pages"  # class uploads, submissions and their grading: background work
AUDIO = "audio"  # spoken readouts
EXPORTS = "exports"  # audio ZIPs and other exports
ALL = (PHOTOS, PAGES, AUDIO, EXPORTS)

ROUTES = {
    "predictor.tasks.read_prediction": {"queue": PHOTOS},
    "predictor.tasks.make_prediction_audio": {"queue": AUDIO},
    "grading.tasks.build_audio_export": {"queue": EXPORTS},
    "grading.tasks.*": {"queue": PAGES},
}
# Tasks without a route (the sweeper, new ones) are background work.
DEFAULT = PAGES
