"""The Celery queues (no Django imports: the settings load this).

Each kind of work has its own queue so that a big job cannot hold up a small one. A worker
consumes them in the order of ALL (the Redis transport's "priority" queue order strategy):
it always takes the first non-empty queue, so a teacher's photo waits only for the tasks
already running, never behind a 200-page class upload, and readouts come before the rest
of a class set.
"""

PHOTOS = "photos"  # a teacher's own uploads and re-runs: someone is watching the screen
PAGES = "pages"  # class uploads, submissions and their grading: background work
AUDIO = "audio"  # spoken readouts
EXPORTS = "exports"  # audio ZIPs and other exports
ALL = (PHOTOS, AUDIO, PAGES, EXPORTS)  # the order a worker takes them in

ROUTES = {
    "predictor.tasks.read_prediction": {"queue": PHOTOS},
    "predictor.tasks.make_prediction_audio": {"queue": AUDIO},
    "grading.tasks.build_audio_export": {"queue": EXPORTS},
    "grading.tasks.*": {"queue": PAGES},
}
# Tasks without a route (the sweeper, new ones) are background work.
DEFAULT = PAGES
