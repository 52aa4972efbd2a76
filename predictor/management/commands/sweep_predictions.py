from django.core.management.base import BaseCommand

from predictor.tasks import sweep


class Command(BaseCommand):
    help = (
        "Re-enqueue predictions stuck in pending/processing for longer than DIGITSIGHT_STUCK_AFTER_SECONDS "
        "(processing ones by their start time); mark failed those tried DIGITSIGHT_MAX_ATTEMPTS times; "
        "re-enqueue readouts missing DIGITSIGHT_LOST_AFTER_SECONDS after a reading. "
        "Celery beat runs the same sweep every DIGITSIGHT_SWEEP_SECONDS (predictor.tasks.sweep_predictions)."
    )

    def handle(self, *args, **options):
        counts = sweep()
        self.stdout.write(
            f"re-enqueued {counts['requeued']}, marked failed {counts['failed']}, readouts {counts['audio']}"
        )
