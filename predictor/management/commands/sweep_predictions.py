from django.core.management.base import BaseCommand

from predictor.reading import sweep


class Command(BaseCommand):
    help = (
        "Re-enqueue predictions stuck in pending/processing for longer than DIGITSIGHT_STUCK_AFTER_SECONDS "
        "(processing ones by their start time); mark failed those tried DIGITSIGHT_MAX_ATTEMPTS times. "
        "Celery beat runs the same sweep every 2 minutes (predictor.tasks.sweep_predictions)."
    )

    def handle(self, *args, **options):
        counts = sweep()
        self.stdout.write(f"re-enqueued {counts['requeued']}, marked failed {counts['failed']}")
