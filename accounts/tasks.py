from celery import shared_task


@shared_task
def ping() -> str:
    """A round trip through broker, worker and result backend: proves the wiring."""
    return "pong"
