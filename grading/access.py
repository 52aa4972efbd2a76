"""Every grading lookup goes through here.

Owner: everything. Grader: read, upload, override. Viewer: read. Anyone else gets a 404
(Http404) so that ids leak nothing; a member asking for more than their role gets
PermissionDenied (403).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404

from grading.models import Assignment, AudioExport, Collaborator, Submission

OWNER = "owner"
GRADER = Collaborator.Role.GRADER
VIEWER = Collaborator.Role.VIEWER

READ, WRITE, MANAGE = "read", "write", "manage"
_ALLOWED = {
    READ: {OWNER, GRADER, VIEWER},
    WRITE: {OWNER, GRADER},
    MANAGE: {OWNER},
}


def assignments_for_user(user):
    """Own and shared assignments, each annotated with `shared_role` (None when owned)."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    share = Collaborator.objects.filter(assignment=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Assignment.objects.annotate(shared_role=Subquery(share))
        .filter(Q(owner=user) | Q(shared_role__isnull=False))
        .select_related("owner__profile")
    )


def role_for(user, assignment) -> str | None:
    if not user.is_authenticated:
        return None
    if assignment.owner_id == user.pk:
        return OWNER
    return (
        Collaborator.objects.filter(assignment=assignment, user=user).values_list("role", flat=True).first()
    )


def check(user, assignment, need: str = READ, missing: str = "No such assignment.") -> str:
    """Return the user's role on the assignment or raise Http404 / PermissionDenied.

    `missing` is the 404 message for the object asked for: a stranger must read the same
    words as someone asking for an id that does not exist, or the API leaks which ids do.
    """
    role = role_for(user, assignment)
    if role is None:
        raise Http404(missing)
    if role not in _ALLOWED[need]:
        raise PermissionDenied("Your role on this assignment does not allow that.")
    assignment.role = role
    return role


def _need(write: bool, manage: bool) -> str:
    return MANAGE if manage else WRITE if write else READ


def get_assignment_for_user(user, pk, write=False, manage=False) -> Assignment:
    assignment = Assignment.objects.select_related("owner__profile").filter(pk=pk).first()
    if assignment is None:
        raise Http404("No such assignment.")
    check(user, assignment, _need(write, manage))
    return assignment


def get_submission_for_user(user, pk, write=False, manage=False) -> Submission:
    submission = Submission.objects.select_related("assignment__owner", "prediction").filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    check(user, submission.assignment, _need(write, manage), missing="No such submission.")
    return submission


def get_export_for_user(user, assignment_pk, pk) -> AudioExport:
    assignment = get_assignment_for_user(user, assignment_pk)
    export = AudioExport.objects.filter(pk=pk, assignment=assignment).first()
    if export is None:
        raise Http404("No such export.")
    export.assignment = assignment
    return export


def get_share_for_owner(user, pk) -> Collaborator:
    """A collaborator row on one of the user's own assignments (only owners manage shares)."""
    share = Collaborator.objects.select_related("assignment", "user__profile").filter(pk=pk).first()
    if share is None:
        raise Http404("No such collaborator.")
    check(user, share.assignment, MANAGE, missing="No such collaborator.")
    return share


def roster_for_user(user):
    from grading.models import RosterStudent

    if not user.is_authenticated:
        return RosterStudent.objects.none()
    return RosterStudent.objects.filter(owner=user)


def get_roster_student_for_user(user, pk):
    """A student on the user's own class list; anyone else's is a 404."""
    student = roster_for_user(user).filter(pk=pk).first()
    if student is None:
        raise Http404("No such student.")
    return student
