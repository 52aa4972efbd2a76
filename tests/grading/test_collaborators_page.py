"""Sharing assignments from /collaborators/."""

from grading.models import Collaborator
from tests.grading.factories import AssignmentFactory, CollaboratorFactory


def test_it_shares_by_email_changes_the_role_and_removes(owner_client, owner, collaborator):
    assignment = AssignmentFactory(owner=owner)
    response = owner_client.post(
        "/collaborators/", {"assignment": assignment.pk, "who": collaborator.email, "role": "viewer"}
    )
    assert response.status_code == 302
    share = Collaborator.objects.get()
    assert (share.user, share.role) == (collaborator, "viewer")
    owner_client.post(f"/collaborators/{share.pk}/role/", {"role": "grader"})
    assert Collaborator.objects.get().role == "grader"
    owner_client.post(f"/collaborators/{share.pk}/remove/")
    assert not Collaborator.objects.exists()


def test_it_explains_an_unknown_teacher(owner_client, owner):
    assignment = AssignmentFactory(owner=owner)
    response = owner_client.post(
        "/collaborators/", {"assignment": assignment.pk, "who": "ghost", "role": "viewer"}
    )
    assert response.status_code == 400 and "No teacher with that username" in response.content.decode()


def test_it_cannot_share_someone_elses_assignment(collaborator_client, owner, collaborator, stranger):
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="grader")
    response = collaborator_client.post(
        "/collaborators/", {"assignment": assignment.pk, "who": "stranger", "role": "grader"}
    )
    assert response.status_code == 400
    assert not Collaborator.objects.filter(user=stranger).exists()


def test_it_lists_what_is_shared_with_me_and_the_credits(collaborator_client, owner, collaborator):
    assignment = AssignmentFactory(owner=owner, title="Fractions")
    CollaboratorFactory(assignment=assignment, user=collaborator, role="viewer")
    page = collaborator_client.get("/collaborators/").content.decode()
    assert "Fractions" in page and "from owner, as viewer" in page
    assert "LeCun" in page and "espeak-ng" in page
