"""What the grading page polls while a class's pages are read (static/js/live.js).

One aggregate over the assignment's submissions gives a key that changes whenever a page
is graded, fails, is flagged or arrives, so the student table, the per-question chart and
table and "Next needing review" are fetched again only then.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from grading import access
from grading.models import Submission

IN_FLIGHT = (Submission.Status.PENDING, Submission.Status.PROCESSING)


def assignment_state(assignment) -> dict:
    figures = assignment.submissions.aggregate(
        total=Count("pk"),
        in_flight=Count("pk", filter=Q(status__in=IN_FLIGHT)),
        graded=Count("pk", filter=Q(status=Submission.Status.GRADED)),
        flagged=Count("pk", filter=Q(needs_review=True)),
        changed=Max("updated_at"),
    )
    changed = figures["changed"].isoformat() if figures["changed"] else "-"
    counts = f"{figures['total']}|{figures['in_flight']}|{figures['graded']}|{figures['flagged']}"
    return {
        "url": reverse("grading:live_assignment", kwargs={"pk": assignment.pk}),
        "key": f"{counts}|{changed}",
        "in_flight": figures["in_flight"] > 0,
        "figures": figures,
    }


@never_cache
@login_required
@require_GET
def live_assignment(request, pk):
    state = assignment_state(access.get_assignment_for_user(request.user, pk))
    figures = state["figures"]
    return JsonResponse(
        {
            "key": state["key"],
            "in_flight": state["in_flight"],
            "total": figures["total"],
            "waiting": figures["in_flight"],
            "graded": figures["graded"],
            "flagged": figures["flagged"],
        }
    )
