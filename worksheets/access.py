"""Every worksheet lookup goes through here, on top of the assignment's roles (grading.access).

Strangers get the same 404 as for an id that does not exist.
"""

from django.http import Http404

from grading import access
from worksheets.models import Worksheet


def get_worksheet_for_user(user, assignment_pk, write=False, manage=False, create=False) -> Worksheet:
    """The assignment's worksheet; `create` makes an empty one instead of a 404."""
    assignment = access.get_assignment_for_user(user, assignment_pk, write=write, manage=manage)
    worksheet = Worksheet.objects.filter(assignment=assignment).first()
    if worksheet is None and create:
        worksheet = Worksheet.objects.get_or_create(assignment=assignment)[0]
    if worksheet is None:
        raise Http404("This assignment has no worksheet yet.")
    worksheet.assignment = assignment
    return worksheet


def get_crop_for_user(user, submission_pk, index: int):
    """(submission, storage name) of one answer's crop."""
    submission = access.get_submission_for_user(user, submission_pk)
    areas = (submission.page_reading or {}).get("answers") or []
    if not 0 <= index < len(areas) or not areas[index].get("crop"):
        raise Http404("No such answer crop.")
    return submission, areas[index]["crop"]
